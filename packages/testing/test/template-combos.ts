// Every template `lsml create` offers (and each text-classifier adapter), with what its generated
// project needs to run here: shared by create-templates.test.ts and pack-install.test.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = path.join(ROOT, 'packages/core/dist/cli.js');
const MODELS = path.join(ROOT, 'packages/transformers/test/models');

export interface Combo {
  template: string;
  adapter?: string;
  className: string;
  /** Environment of the generated project's test and server (the transformers ones run the tiny local models). */
  env?: Record<string, string>;
}

export const COMBOS: Combo[] = [
  { template: 'basic', className: 'Basic' },
  { template: 'interactive', className: 'Interactive' },
  { template: 'text-classifier', className: 'TextClassifierTfjs' },
  { template: 'text-classifier', adapter: 'onnx', className: 'TextClassifierOnnx' },
  { template: 'text-classifier', adapter: 'transformers', className: 'TextClassifierTransformers', env: { MODEL_NAME: path.join(MODELS, 'tiny-bert-sst2') } },
  { template: 'gpt2', className: 'Gpt2', env: { MODEL_NAME: path.join(MODELS, 'tiny-gpt2') } },
  { template: 'ner', className: 'Ner', env: { MODEL_NAME: path.join(MODELS, 'tiny-bert-ner') } },
];

/** The folder name of a combo's project (`text-classifier-onnx`, `gpt2`, …). */
export const comboName = (c: Combo) => (c.template === 'text-classifier' ? `text-classifier-${c.adapter ?? 'tfjs'}` : c.template);
