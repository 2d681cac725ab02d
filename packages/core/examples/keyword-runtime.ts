// A backend from the two halves of the adapter contract: a runtime (here a keyword classifier in plain
// TypeScript; in practice onnxRuntime / tfjsRuntime / transformersRuntime) and a head (choicesHead).
// Run it:  npx lsml start packages/core/examples/keyword-runtime.ts --port 9090
// Label config: <Choices> over a <Text>, with labels named like the classes (or predicted_values="…").
import { backend, choicesHead, LsmlError, softmax, tokenize, type ClassesOutput, type Runtime, type RunOptions, type TextInput } from '@lsml/core';

const KEYWORDS: Record<string, 'Positive' | 'Negative'> = { good: 'Positive', great: 'Positive', love: 'Positive', bad: 'Negative', awful: 'Negative', hate: 'Negative' };
const CLASSES = ['Positive', 'Negative'] as const;

/** The runtime half: load once, turn a batch of texts into class scores, one output per input. */
const keywordRuntime: Runtime<'text', 'classes'> = {
  provider: 'keywords',
  modelId: 'keyword-runtime-1',
  input: 'text',
  output: 'classes',
  capabilities: { batching: false, shared: true, threads: 'event-loop', trainable: false },
  async load() {
    return { labels: [...CLASSES] };
  },
  async run(inputs: readonly TextInput[], options?: RunOptions): Promise<ClassesOutput[]> {
    options?.signal?.throwIfAborted();
    return inputs.map((input, i) => {
      if (input?.kind !== 'text') throw new LsmlError('invalid_input', `inputs[${i}] is not a text`, { status: 400 });
      const words = tokenize(input.text);
      const counts = CLASSES.map((c) => words.filter((w) => KEYWORDS[w] === c).length);
      const scores = softmax(counts);
      return { kind: 'classes', classes: CLASSES.map((label, k) => ({ label, score: scores[k] as number })) };
    });
  },
  async dispose() {},
};

// The head half: which controls the predictions fill. A config without <Choices> over <Text>, or
// without a label matching a class, answers 422 at /setup naming what is missing.
export default backend({ runtime: keywordRuntime, head: choicesHead(), name: 'KeywordRuntime' });
