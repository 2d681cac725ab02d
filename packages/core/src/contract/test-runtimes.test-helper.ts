// Tiny real runtimes (plain TypeScript, no framework) for testing heads and backend(): a keyword
// classifier, a dictionary tagger, a template "generator" and a trainable naive-Bayes classifier.
import fs from 'node:fs/promises';
import path from 'node:path';
import { LsmlError } from '../errors.js';
import type { TextInput } from './inputs.js';
import { softmax } from './math.js';
import type { ClassesOutput, SpansOutput, TextOutput } from './outputs.js';
import type { LoadOptions, Runtime, RunOptions, RuntimeCapabilities, RuntimeInfo, TrainableRuntime, TrainingExample } from './runtime.js';
import { tokenize } from './tokenize.js';

/** Shared load/dispose bookkeeping: concurrent loads share one promise; counts real loads. */
abstract class BaseRuntime {
  loads = 0;
  private loading: Promise<RuntimeInfo> | undefined;
  protected abstract info(): RuntimeInfo;

  load(_options?: LoadOptions): Promise<RuntimeInfo> {
    this.loading ??= (async () => {
      this.loads++;
      await new Promise((r) => setTimeout(r, 5));
      return this.info();
    })();
    return this.loading;
  }

  async dispose(): Promise<void> {
    this.loading = undefined;
  }

  protected async ready(options: RunOptions | undefined): Promise<void> {
    options?.signal?.throwIfAborted();
    if (!this.loading) throw new LsmlError('not_loaded', 'run() before load()');
    await this.loading;
    options?.signal?.throwIfAborted();
  }

  protected check(inputs: readonly TextInput[]): void {
    for (const [i, input] of inputs.entries()) {
      if (input?.kind !== 'text' || typeof input.text !== 'string') throw new LsmlError('invalid_input', `inputs[${i}] is not a text input`, { status: 400 });
    }
  }
}

const CAPS: RuntimeCapabilities = { batching: false, shared: true, threads: 'event-loop', trainable: false };

/** POSITIVE/NEGATIVE by keyword counts (softmax over counts); zero-shot over `candidateLabels` when asked. */
export class KeywordClassifier extends BaseRuntime implements Runtime<'text', 'classes'> {
  readonly provider = 'keywords';
  readonly modelId = 'keyword-sentiment';
  readonly input = 'text' as const;
  readonly output = 'classes' as const;
  readonly capabilities = CAPS;
  constructor(
    readonly words: Record<string, string> = { good: 'POSITIVE', great: 'POSITIVE', bad: 'NEGATIVE', awful: 'NEGATIVE', fine: 'NEUTRAL' },
    readonly zeroShot = false,
  ) {
    super();
  }
  protected info(): RuntimeInfo {
    return this.zeroShot ? { candidateLabels: true } : { labels: [...new Set(Object.values(this.words))] };
  }
  async run(inputs: readonly TextInput[], options?: RunOptions): Promise<ClassesOutput[]> {
    await this.ready(options);
    this.check(inputs);
    return inputs.map((input) => {
      const tokens = tokenize(input.text);
      const labels = this.zeroShot ? [...(input.candidateLabels ?? [])] : [...new Set(Object.values(this.words))];
      const counts = labels.map((l) => tokens.filter((t) => (this.zeroShot ? t === l.toLowerCase() : this.words[t] === l)).length);
      const probs = softmax(counts.map((c) => c * 3));
      return { kind: 'classes', classes: labels.map((label, i) => ({ label, score: probs[i] as number })), multiLabel: false };
    });
  }
}

/** Dictionary tagger: each known word is an entity (UTF-16 offsets), scored 0.9 (0.4 for lower-case hits). */
export class DictionaryTagger extends BaseRuntime implements Runtime<'text', 'spans'> {
  readonly provider = 'dictionary';
  readonly modelId = 'dictionary-ner';
  readonly input = 'text' as const;
  readonly output = 'spans' as const;
  readonly capabilities = CAPS;
  constructor(readonly entities: Record<string, string> = { John: 'PER', Paris: 'LOC', Acme: 'ORG' }) {
    super();
  }
  protected info(): RuntimeInfo {
    return { labels: ['O', ...Object.values(this.entities).flatMap((t) => [`B-${t}`, `I-${t}`])] };
  }
  async run(inputs: readonly TextInput[], options?: RunOptions): Promise<SpansOutput[]> {
    await this.ready(options);
    this.check(inputs);
    return inputs.map((input) => {
      const spans = [];
      for (const [word, label] of Object.entries(this.entities)) {
        for (const m of input.text.matchAll(new RegExp(`\\b${word}\\b`, 'gi'))) {
          spans.push({ start: m.index, end: m.index + word.length, label, score: m[0] === word ? 0.9 : 0.4 });
        }
      }
      return { kind: 'spans', spans: spans.sort((a, b) => a.start - b.start) };
    });
  }
}

/** "Generates" `params.copies` (default 1) upper-cased copies of the prompt. */
export class ShoutGenerator extends BaseRuntime implements Runtime<'text', 'text'> {
  readonly provider = 'shout';
  readonly modelId = 'shout-1';
  readonly input = 'text' as const;
  readonly output = 'text' as const;
  readonly capabilities = CAPS;
  protected info(): RuntimeInfo {
    return {};
  }
  async run(inputs: readonly TextInput[], options?: RunOptions): Promise<TextOutput[]> {
    await this.ready(options);
    this.check(inputs);
    const copies = Number(options?.params?.copies ?? 1);
    return inputs.map((input) => ({ kind: 'text', texts: Array.from({ length: copies }, (_, i) => ({ text: ` ${(input.prompt ?? input.text).toUpperCase()}${i ? ` #${i + 1}` : ''}`, score: 0.5 })) }));
  }
}

/** Multinomial naive Bayes over `tokenize` words: trainable, saved as JSON. */
export class NaiveBayesClassifier extends BaseRuntime implements TrainableRuntime<'text', 'classes'> {
  readonly provider = 'naive-bayes';
  readonly modelId = 'naive-bayes';
  readonly input = 'text' as const;
  readonly output = 'classes' as const;
  readonly capabilities: RuntimeCapabilities = { batching: false, shared: false, threads: 'event-loop', trainable: true };
  model: { labels: string[]; counts: Record<string, Record<string, number>>; totals: Record<string, number>; priors: Record<string, number> } | null = null;
  trainings = 0;

  protected info(): RuntimeInfo {
    return this.model ? { labels: this.model.labels } : { untrained: true };
  }

  async run(inputs: readonly TextInput[], options?: RunOptions): Promise<ClassesOutput[]> {
    await this.ready(options);
    this.check(inputs);
    const model = this.model;
    if (!model) throw new LsmlError('not_trained', 'The naive Bayes runtime has not been trained');
    const vocab = new Set(Object.values(model.counts).flatMap((c) => Object.keys(c)));
    return inputs.map((input) => {
      const tokens = tokenize(input.text);
      const logp = model.labels.map((l) => {
        let s = Math.log(model.priors[l] ?? 1e-9);
        for (const t of tokens) s += Math.log(((model.counts[l]?.[t] ?? 0) + 1) / ((model.totals[l] ?? 0) + vocab.size + 1));
        return s;
      });
      const probs = softmax(logp);
      return { kind: 'classes', classes: model.labels.map((label, i) => ({ label, score: probs[i] as number })) };
    });
  }

  async train(examples: readonly TrainingExample<'text'>[], options: { signal?: AbortSignal; onProgress?: (p: number, m: string) => void | Promise<void>; labels?: readonly string[] } = {}): Promise<Record<string, unknown>> {
    options.signal?.throwIfAborted();
    const labels = [...new Set([...(options.labels ?? []), ...examples.flatMap((e) => e.labels)])];
    const counts: Record<string, Record<string, number>> = {};
    const totals: Record<string, number> = {};
    const priors: Record<string, number> = {};
    for (const l of labels) (counts[l] = {}), (totals[l] = 0), (priors[l] = 1 / (examples.length + labels.length));
    for (const e of examples) {
      for (const l of e.labels) {
        priors[l] = (priors[l] ?? 0) + 1 / (examples.length + labels.length);
        for (const t of tokenize(e.input.text)) {
          (counts[l] as Record<string, number>)[t] = ((counts[l] as Record<string, number>)[t] ?? 0) + 1;
          totals[l] = (totals[l] ?? 0) + 1;
        }
      }
    }
    await options.onProgress?.(100, 'counted');
    this.model = { labels, counts, totals, priors };
    this.trainings++;
    return { examples: examples.length, labels: labels.length };
  }

  async save(dir: string): Promise<void> {
    if (!this.model) throw new LsmlError('not_trained', 'Nothing to save: train first');
    await fs.writeFile(path.join(dir, 'naive-bayes.json'), JSON.stringify(this.model));
  }

  async restore(dir: string): Promise<void> {
    try {
      this.model = JSON.parse(await fs.readFile(path.join(dir, 'naive-bayes.json'), 'utf8')) as NaiveBayesClassifier['model'];
    } catch (cause) {
      throw new LsmlError('model_load', `No naive Bayes model in ${dir}`, { cause });
    }
  }
}
