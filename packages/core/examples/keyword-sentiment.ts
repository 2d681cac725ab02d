// The smallest useful backend: a keyword sentiment classifier for a Choices ← Text config.
// Run it:  npx lsml start packages/core/examples/keyword-sentiment.ts --port 9090
import { LabelStudioMLBase, ModelResponse, type Task } from '@lsml/core';

const POSITIVE = /\b(good|great|love|like|excellent|happy|nice)\b/i;
const NEGATIVE = /\b(bad|awful|hate|terrible|poor|sad|angry)\b/i;

export default class KeywordSentiment extends LabelStudioMLBase {
  override async setup() {
    await this.set('model_version', 'keyword-sentiment-1');
  }

  override async predict(tasks: Task[]) {
    // The first Choices control and the Text object it labels; throws a clear error if there is none.
    const [fromName, toName, field] = this.labelInterface!.getFirstTagOccurrence('Choices', 'Text');
    const labels = this.labelInterface!.getControl(fromName)?.labels ?? [];
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
