// The contract's runtime conformance suite (@lsml/testing) on tfjsRuntime: the same checks every adapter passes.
import { runtimeConformance } from '@lsml/testing';
import { tfjsRuntime } from './runtime.js';
import { syntheticExamples } from './synthetic-text.test-helper.js';

const examples = syntheticExamples(120, 5).map((e) => ({ input: { kind: 'text' as const, text: e.text }, labels: [e.label] }));

await runtimeConformance('tfjsRuntime (text classifier, worker threads)', () => tfjsRuntime({ vectorizer: { dims: 1 << 12 } }), {
  inputs: syntheticExamples(6, 9).map((e) => ({ kind: 'text' as const, text: e.text })),
  examples,
});

await runtimeConformance('tfjsRuntime (text classifier, event loop)', () => tfjsRuntime({ vectorizer: { dims: 1 << 12 }, threads: 0 }), {
  inputs: syntheticExamples(6, 9).map((e) => ({ kind: 'text' as const, text: e.text })),
  examples,
});
