// {{className}}: a Label Studio ML backend. `npm start` serves it; `npm test` checks it over HTTP.
import { LabelStudioMLBase, ModelResponse, type PredictOptions, type Task } from '@lsml/core';

const POSITIVE = /\b(good|great|love|like|excellent|happy|nice)\b/i;
const NEGATIVE = /\b(bad|awful|hate|terrible|poor|sad|angry)\b/i;

export default class {{className}} extends LabelStudioMLBase {
  /** Runs once per (project, label config): load weights, read `this.extraParams`. */
  override async setup() {
    // The version Label Studio stores with each prediction; keep it stable until the model changes.
    await this.initModelVersion('{{className}}-v1');
  }

  /** One prediction per task, in order. `context` is set for interactive pre-annotation. */
  override async predict(tasks: Task[], _options: PredictOptions) {
    // The first <Choices> and the <Text> it labels; throws a clear error if the config has none.
    const [fromName, toName, field] = this.labelInterface!.getFirstTagOccurrence('Choices', 'Text');
    const labels = this.labelInterface!.getControl(fromName).labels;
    const pick = (wanted: string) => labels.find((l) => l.toLowerCase() === wanted) ?? labels[0];
    return new ModelResponse({
      predictions: tasks.map((task) => {
        const text = String(task.data?.[field] ?? '');
        const pos = POSITIVE.test(text);
        const neg = NEGATIVE.test(text);
        const label = pos && !neg ? pick('positive') : neg && !pos ? pick('negative') : pick('neutral');
        return {
          score: pos !== neg ? 0.8 : 0.4,
          result: label ? [{ from_name: fromName, to_name: toName, type: 'choices', value: { choices: [label] } }] : [],
        };
      }),
    });
  }
}
