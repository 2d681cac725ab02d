// onnxRuntime(settings): core's `Runtime` over onnxruntime-node. Loads the model lazily (shared per
// file across projects), micro-batches concurrent runs, and answers normalised outputs — class scores or
// character spans — that core's task heads turn into Label Studio regions.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadOptions, OutputOf, RunOptions, Runtime, RuntimeCapabilities, RuntimeInfo, TextInput } from '@lsml/core';
import { ClassesReader } from './classes.js';
import { OnnxError } from './errors.js';
import { loadOnnxModel, type OnnxModel } from './onnx-model.js';
import { abortable, throwIfAborted } from './run-helpers.js';
import { DEFAULT_BATCHING, type OnnxClassesSettings, type OnnxRuntimeSettings, type OnnxSpansSettings } from './settings.js';
import { SpansReader, tokenPadValues } from './spans.js';

/** The output kinds an ONNX runtime produces. */
export type OnnxOutputKind = 'classes' | 'spans';

/**
 * A core `Runtime` over onnxruntime-node (what `onnxRuntime` returns), with the loaded model in view
 * for instrumentation and tests.
 */
export interface OnnxRuntime<O extends OnnxOutputKind = OnnxOutputKind> extends Runtime<'text', O> {
  /** The shared model once `load()` has finished; `undefined` before and after `dispose()`. */
  readonly model: OnnxModel | undefined;
}

interface Reader<O extends OnnxOutputKind> {
  readonly info: RuntimeInfo;
  run(texts: readonly string[], signal: AbortSignal | undefined): Promise<OutputOf<O>[]>;
}

class OnnxRuntimeImpl<O extends OnnxOutputKind> implements OnnxRuntime<O> {
  readonly provider = 'onnx';
  readonly input = 'text' as const;
  readonly output: O;
  readonly modelId: string;
  readonly capabilities: RuntimeCapabilities;

  private loaded: { model: OnnxModel; reader: Reader<O> } | undefined;
  private loading: Promise<{ model: OnnxModel; reader: Reader<O> }> | undefined;

  constructor(private readonly settings: OnnxRuntimeSettings) {
    checkSettings(settings);
    this.output = (settings.output ?? 'classes') as O;
    this.modelId = settings.modelId ?? defaultModelId(settings.model);
    const b = settings.batching;
    this.capabilities = Object.freeze({
      batching: b === false ? false : Object.freeze({ maxBatchSize: b?.maxBatchSize ?? DEFAULT_BATCHING.maxBatchSize, maxDelayMs: b?.maxDelayMs ?? DEFAULT_BATCHING.maxDelayMs }),
      shared: settings.shared ?? true,
      // onnxruntime runs on its own native threads; the event loop only featurises and reads outputs.
      threads: 'native',
      trainable: false,
    });
  }

  get model(): OnnxModel | undefined {
    return this.loaded?.model;
  }

  async load(options: LoadOptions = {}): Promise<RuntimeInfo> {
    return (await this.opened(options)).reader.info;
  }

  async run(inputs: readonly TextInput[], options: RunOptions = {}): Promise<OutputOf<O>[]> {
    throwIfAborted(options.signal);
    const texts = inputs.map((input, i) => {
      if (!input || input.kind !== 'text' || typeof input.text !== 'string') {
        throw new OnnxError('invalid_input', `Input ${i} must be { kind: 'text', text: string }; an ONNX ${this.output} runtime takes text (got ${describeInput(input)})`);
      }
      return input.text;
    });
    if (texts.length === 0) return [];
    const { reader } = await this.opened({ ...(options.signal ? { signal: options.signal } : {}) });
    return reader.run(texts, options.signal);
  }

  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    const opened = await loading?.catch(() => undefined);
    // A load that was in flight has set `loaded` meanwhile: it is this one, being released.
    if (opened && this.loaded === opened) this.loaded = undefined;
    // Shared models count references: the session is freed when the last runtime lets go.
    await opened?.model.release();
  }

  /** The loaded model and its reader, loading once for concurrent callers. */
  private async opened(options: LoadOptions): Promise<{ model: OnnxModel; reader: Reader<O> }> {
    throwIfAborted(options.signal);
    // An abort stops this caller waiting, not the shared load.
    this.loading ??= this.open(options).catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return abortable(this.loading, options.signal);
  }

  private async open(options: LoadOptions): Promise<{ model: OnnxModel; reader: Reader<O> }> {
    const s = this.settings;
    const batching =
      s.batching === false
        ? false
        : {
            maxBatchSize: this.capabilities.batching ? this.capabilities.batching.maxBatchSize : DEFAULT_BATCHING.maxBatchSize,
            maxDelayMs: this.capabilities.batching ? this.capabilities.batching.maxDelayMs : DEFAULT_BATCHING.maxDelayMs,
            ...(s.batching?.maxQueueSize !== undefined ? { maxQueueSize: s.batching.maxQueueSize } : {}),
            pad: s.batching?.pad ?? (s.output === 'spans' ? tokenPadValues(s) : {}),
          };
    const model = await loadOnnxModel(s.model, { ...s.session, batching, shared: s.shared ?? true });
    try {
      const reader = (s.output === 'spans' ? new SpansReader(model, s) : new ClassesReader(model, s)) as unknown as Reader<O>;
      options.logger?.info({ model: model.source, output: this.output, providers: model.executionProviders, batching: model.batching }, 'ONNX model loaded');
      this.loaded = { model, reader };
      return this.loaded;
    } catch (err) {
      await model.release();
      throw err;
    }
  }
}

/**
 * Serve an ONNX model through onnxruntime-node as a core `Runtime`: pass it with a task head to
 * `backend()` from `@lsml/core`. The output kind follows the settings: `classes` (default; give
 * `featurize`) for `choicesHead()`, `spans` (give `tokenize`) for `spansHead()`.
 *
 * ```ts
 * import { backend, choicesHead } from '@lsml/core';
 * import { hashedBagOfWords, onnxRuntime } from '@lsml/onnx';
 *
 * export default backend({
 *   runtime: onnxRuntime({
 *     model: './sentiment.onnx',
 *     labels: ['negative', 'neutral', 'positive'],
 *     featurize: (text, out) => hashedBagOfWords(text, 512, { out }),
 *   }),
 *   head: choicesHead(),
 * });
 * ```
 *
 * The model is loaded on the first `load()` (or `run()`), shared with every runtime of the same file and
 * session options, and released by `dispose()` when no other runtime holds it.
 */
export function onnxRuntime(settings: OnnxSpansSettings): OnnxRuntime<'spans'>;
export function onnxRuntime(settings: OnnxClassesSettings): OnnxRuntime<'classes'>;
export function onnxRuntime(settings: OnnxRuntimeSettings): OnnxRuntime<'classes'> | OnnxRuntime<'spans'>;
export function onnxRuntime(settings: OnnxRuntimeSettings): OnnxRuntime<'classes'> | OnnxRuntime<'spans'> {
  return settings.output === 'spans' ? new OnnxRuntimeImpl<'spans'>(settings) : new OnnxRuntimeImpl<'classes'>(settings);
}

/** Errors a caller would otherwise meet at the first request, thrown when the runtime is built. */
function checkSettings(s: OnnxRuntimeSettings): void {
  const fail = (message: string) => new OnnxError('invalid_settings', message);
  if (s === null || typeof s !== 'object') throw fail('onnxRuntime() needs settings: { model, labels, featurize } or { output: "spans", model, labels, tokenize }');
  const output: string = s.output ?? 'classes';
  if (output !== 'classes' && output !== 'spans') throw fail(`output must be 'classes' or 'spans' (got ${JSON.stringify(output)})`);
  if (typeof s.model !== 'string' && !(s.model instanceof URL) && !(s.model instanceof Uint8Array)) throw fail('model must be a path, a file: URL or the bytes of an .onnx file');
  if (!Array.isArray(s.labels) || s.labels.length === 0 || !s.labels.every((l) => typeof l === 'string')) {
    throw fail("labels must be the model's class names (or, for spans, its tags) in output order, as a non-empty array of strings");
  }
  if (s.output === 'spans') {
    if (typeof s.tokenize !== 'function') throw fail('spans settings need tokenize(text) → { ids, offsets }');
  } else if (typeof (s as Partial<OnnxClassesSettings>).featurize !== 'function') {
    throw fail('classes settings need featurize(text, out?) → features or feeds');
  }
  if (s.batching && s.batching.maxBatchSize !== undefined && !(Number.isInteger(s.batching.maxBatchSize) && s.batching.maxBatchSize >= 1)) {
    throw fail(`batching.maxBatchSize must be an integer >= 1 (got ${s.batching.maxBatchSize})`);
  }
  if (s.batching && s.batching.maxDelayMs !== undefined && !(s.batching.maxDelayMs >= 0)) throw fail(`batching.maxDelayMs must be >= 0 (got ${s.batching.maxDelayMs})`);
}

function defaultModelId(model: OnnxRuntimeSettings['model']): string {
  if (model instanceof Uint8Array) return 'onnx-model';
  const file = model instanceof URL || model.startsWith('file:') ? fileURLToPath(model) : model;
  return path.basename(file);
}

function describeInput(input: unknown): string {
  if (input === null || typeof input !== 'object') return String(input);
  const kind = (input as { kind?: unknown }).kind;
  return kind === undefined ? 'an object without kind' : `kind ${JSON.stringify(kind)}`;
}
