// @lsml/testing's runtime conformance suite on both output kinds of onnxRuntime.
import { runtimeConformance } from '@lsml/testing';
import { afterAll } from 'vitest';
import { TAGGER_TAGS, taggerTokenize } from '../examples/tagger-tokenizer.js';
import { releaseAllModels } from './onnx-model.js';
import { onnxRuntime } from './runtime.js';
import { CLASSIFIER, FEATURES, LABELS, TAGGER } from './test-models.test-helper.js';
import { hashedBagOfWords } from './text-features.js';

afterAll(() => releaseAllModels());

await runtimeConformance('onnxRuntime classes', () => onnxRuntime({ model: CLASSIFIER, labels: LABELS, featurize: (text, out) => hashedBagOfWords(text, FEATURES, { out }) }), {
  inputs: [
    { kind: 'text', text: 'I love this product, it is excellent' },
    { kind: 'text', text: 'Terrible quality, the worst order ever' },
    { kind: 'text', text: '' },
  ],
  invalidInputs: [{ kind: 'image' }, { kind: 'text', text: 42 }, null],
});

await runtimeConformance('onnxRuntime spans', () => onnxRuntime({ output: 'spans', model: TAGGER, labels: TAGGER_TAGS, tokenize: taggerTokenize }), {
  inputs: [
    { kind: 'text', text: 'Alice Smith met Bob in New York.' },
    { kind: 'text', text: 'Bob lives in Boston' },
    { kind: 'text', text: 'nothing to see 😀 here, Paris' },
    { kind: 'text', text: '' },
  ],
  invalidInputs: [{ kind: 'image' }, { kind: 'text' }],
});
