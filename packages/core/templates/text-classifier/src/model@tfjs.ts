// {{className}}: a text classifier (Choices ← Text) that learns from the project's annotations.
// Annotation webhooks are recorded; every TRAIN_EVERY annotations, and on "Start Training", a
// background job trains a new TF.js model, which then serves as the next model_version.
import { TfjsTextClassifier } from '@lsml/tfjs';

export default class {{className}} extends TfjsTextClassifier {
  static override training = { trainEvery: Number(process.env.TRAIN_EVERY ?? 10) };

  override async setup() {
    await super.setup();
    // Trained versions follow as {{className}}-v1, -v2, ...
    await this.initModelVersion('{{className}}-v0');
  }

  protected override classifierOptions() {
    return { vectorizer: { dims: 4096 }, hiddenUnits: 0 }; // logistic regression over hashed words
  }

  protected override trainOptions() {
    return { epochs: 30, batchSize: 32 };
  }
}
