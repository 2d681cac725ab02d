import fs from 'node:fs/promises';
import path from 'node:path';
import { LsmlError, type ClassesOutput, type RunOptions, type RuntimeInfo, type SpansOutput, type TextInput, type TrainableRuntime, type TrainingExample, type Runtime } from '@lsml/core';
import { describe, expect, it } from 'vitest';
import { runtimeChecks, runtimeConformance } from './runtime-conformance.js';

/** A real (if tiny) trainable runtime: texts longer than a learned threshold are "long". */
class LengthClassifier implements TrainableRuntime<'text', 'classes'> {
  readonly provider = 'length';
  readonly modelId = 'length-v1';
  readonly input = 'text' as const;
  readonly output = 'classes' as const;
  readonly capabilities = { batching: false as const, shared: false, threads: 'event-loop' as const, trainable: true };
  threshold = 10;
  private loading: Promise<RuntimeInfo> | undefined;
  load(): Promise<RuntimeInfo> {
    this.loading ??= Promise.resolve({ labels: ['short', 'long'] });
    return this.loading;
  }
  async run(inputs: readonly TextInput[], options?: RunOptions): Promise<ClassesOutput[]> {
    options?.signal?.throwIfAborted();
    if (!this.loading) throw new LsmlError('not_loaded', 'load() first');
    return inputs.map((input, i) => {
      if (input?.kind !== 'text') throw new LsmlError('invalid_input', `inputs[${i}] is not text`, { status: 400 });
      const p = 1 / (1 + Math.exp(-(input.text.length - this.threshold) / 3));
      return { kind: 'classes', classes: [{ label: 'long', score: p }, { label: 'short', score: 1 - p }] };
    });
  }
  async dispose(): Promise<void> {
    this.loading = undefined;
  }
  async train(examples: readonly TrainingExample<'text'>[]): Promise<Record<string, unknown>> {
    const mean = (label: string) => {
      const xs = examples.filter((e) => e.labels.includes(label)).map((e) => e.input.text.length);
      return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    };
    this.threshold = (mean('short') + mean('long')) / 2;
    return { threshold: this.threshold };
  }
  async save(dir: string): Promise<void> {
    await fs.writeFile(path.join(dir, 'length.json'), JSON.stringify({ threshold: this.threshold }));
  }
  async restore(dir: string): Promise<void> {
    try {
      this.threshold = (JSON.parse(await fs.readFile(path.join(dir, 'length.json'), 'utf8')) as { threshold: number }).threshold;
    } catch (cause) {
      throw new LsmlError('model_load', `no model in ${dir}`, { cause });
    }
  }
}

const inputs: TextInput[] = [
  { kind: 'text', text: 'hi' },
  { kind: 'text', text: 'a considerably longer sentence than the first' },
  { kind: 'text', text: 'medium text' },
];
const examples: TrainingExample<'text'>[] = [
  { input: { kind: 'text', text: 'tiny' }, labels: ['short'] },
  { input: { kind: 'text', text: 'a rather long sentence indeed' }, labels: ['long'] },
];

await runtimeConformance('length classifier (fake, trainable)', () => new LengthClassifier(), { inputs, examples });

/** A tagger with a twist per broken variant. */
class Tagger implements Runtime<'text', 'spans'> {
  readonly provider = 'tagger';
  readonly modelId = 'tagger';
  readonly input = 'text' as const;
  readonly output = 'spans' as const;
  readonly capabilities = { batching: false as const, shared: true, threads: 'event-loop' as const, trainable: false };
  constructor(readonly bug?: 'reversed' | 'outside' | 'score' | 'ignores-abort' | 'plain-error' | 'not-empty' | 'trainable-without-train') {
    if (bug === 'trainable-without-train') this.capabilities = { ...this.capabilities, trainable: true };
  }
  async load(): Promise<RuntimeInfo> {
    return { labels: ['WORD'] };
  }
  async run(batch: readonly TextInput[], options?: RunOptions): Promise<SpansOutput[]> {
    if (this.bug !== 'ignores-abort') options?.signal?.throwIfAborted();
    if (batch.length === 0 && this.bug === 'not-empty') return [{ kind: 'spans', spans: [] }];
    const out = batch.map((input, i): SpansOutput => {
      if (input?.kind !== 'text') {
        if (this.bug === 'plain-error') throw new Error('bad input');
        throw new LsmlError('invalid_input', `inputs[${i}] is not text`, { status: 400 });
      }
      const end = this.bug === 'outside' ? input.text.length + 3 : Math.min(2, input.text.length);
      return { kind: 'spans', spans: [{ start: 0, end, label: 'WORD', score: this.bug === 'score' ? 1.5 : 0.5 + input.text.length / 1000 }] };
    });
    return this.bug === 'reversed' ? out.reverse() : out;
  }
  async dispose(): Promise<void> {}
}

await runtimeConformance('tagger (fake)', () => new Tagger(), { inputs });

describe('runtimeChecks on broken runtimes', () => {
  const failing = async (bug: ConstructorParameters<typeof Tagger>[0]) => {
    const failed: string[] = [];
    for (const c of runtimeChecks(() => new Tagger(bug), { inputs })) {
      try {
        await c.run();
      } catch (err) {
        failed.push(`${c.name} :: ${(err as Error).message}`);
      }
    }
    return failed;
  };

  it('passes every check on the working tagger', async () => {
    expect(await failing(undefined)).toEqual([]);
  });

  it.each([
    ['reversed', /one valid output per input, in order.*differs from running it alone/],
    ['outside', /spans\[0\] \[0, 5\) is not a non-empty range inside the text \(length 2\)/],
    ['score', /score 1\.5 is not a number in \[0, 1\]/],
    ['ignores-abort', /aborted signal rejects with the signal reason :: expected a rejection/],
    ['plain-error', /must reject with an LsmlError, got Error: bad input/],
    ['not-empty', /run\(\[\]\) resolves to \[\]/],
    ['trainable-without-train', /train\/save\/restore are missing/],
  ] as const)('fails a runtime with bug "%s"', async (bug, expected) => {
    const failed = await failing(bug);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.join('\n')).toMatch(expected);
  });
});
