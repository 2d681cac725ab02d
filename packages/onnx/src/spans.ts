// `output: 'spans'`: token classification. Text → the settings' tokenizer (ids + UTF-16 offsets) →
// int64 token feeds (padded when batched with other texts) → per-token tag scores → core's entity
// grouping (BIO/IOB prefixes, sub-word aggregation) → character spans.
import { entityTypes, groupEntities, type RuntimeInfo, type Span, type SpansOutput, type TokenScores } from '@lsml/core';
import { Tensor } from 'onnxruntime-node';
import { probabilities } from './classes.js';
import { OnnxError } from './errors.js';
import type { OnnxModel } from './onnx-model.js';
import { toNumbers } from './outputs.js';
import { abortable, outputInfo, throwIfAborted } from './run-helpers.js';
import { DEFAULT_BATCHING, type OnnxSpansSettings, type TokenizedText } from './settings.js';
import type { Feeds, TensorInfo } from './validate-feeds.js';

/** The model inputs a spans runtime feeds, resolved from `inputNames` and the model. */
export function tokenInputs(settings: OnnxSpansSettings): { ids: string; mask: string; typeIds: string } {
  const n = settings.inputNames ?? {};
  return { ids: n.ids ?? 'input_ids', mask: n.mask ?? 'attention_mask', typeIds: n.typeIds ?? 'token_type_ids' };
}

/** Pad values for batching texts of different lengths: 0 for every token input the model has. */
export function tokenPadValues(settings: OnnxSpansSettings): (inputs: readonly TensorInfo[]) => Record<string, number> {
  const names = Object.values(tokenInputs(settings));
  return (inputs) => Object.fromEntries(inputs.filter((i) => names.includes(i.name)).map((i) => [i.name, 0]));
}

/** The spans half of an ONNX runtime, bound to one loaded model. */
export class SpansReader {
  readonly info: RuntimeInfo;
  private readonly outName: string;
  private readonly names: { ids: string; mask: string | undefined; typeIds: string | undefined };
  private readonly ignore: readonly string[];

  constructor(
    private readonly model: OnnxModel,
    private readonly settings: OnnxSpansSettings,
  ) {
    const out = outputInfo(model, settings.outputName);
    const src = { source: model.source };
    if (out.shape.length !== 0 && out.shape.length !== 3) {
      throw new OnnxError('invalid_settings', `${model.source} output "${out.name}" must be [batch, tokens, tags] for spans; it is [${out.shape.join(', ')}]`, src);
    }
    const tags = out.shape[2];
    if (typeof tags === 'number' && tags >= 0 && tags !== settings.labels.length) {
      throw new OnnxError('invalid_settings', `${model.source} output "${out.name}" has ${tags} tags but ${settings.labels.length} labels were given (${settings.labels.join(', ')})`, src);
    }
    const { ids, mask, typeIds } = tokenInputs(settings);
    const has = (name: string) => model.inputNames.includes(name);
    if (!has(ids)) throw new OnnxError('invalid_settings', `${model.source} has no token id input "${ids}" (inputs: ${model.inputNames.join(', ')}); set inputNames.ids`, src);
    const unknown = model.inputNames.filter((n) => n !== ids && n !== mask && n !== typeIds);
    if (unknown.length > 0) {
      throw new OnnxError('invalid_settings', `${model.source} has inputs a spans runtime cannot fill: ${unknown.join(', ')} (it feeds ${ids}, ${mask}, ${typeIds}; see inputNames)`, src);
    }
    this.names = { ids, mask: has(mask) ? mask : undefined, typeIds: has(typeIds) ? typeIds : undefined };
    this.outName = out.name;
    this.ignore = settings.ignoreLabels ?? ['O'];
    this.info = { labels: entityTypes(settings.labels, this.ignore) };
  }

  async run(texts: readonly string[], signal: AbortSignal | undefined): Promise<SpansOutput[]> {
    const chunk = this.model.batching?.maxBatchSize ?? DEFAULT_BATCHING.maxBatchSize;
    const results: SpansOutput[] = [];
    for (let i = 0; i < texts.length; i += chunk) {
      throwIfAborted(signal);
      const part = texts.slice(i, i + chunk);
      const tokenized = await Promise.all(part.map(async (text) => this.checked(await this.settings.tokenize(text), text)));
      // A text without tokens has no spans; it is not run (a [1, 0] batch would be a degenerate feed).
      const todo = tokenized.flatMap((t, j) => (t.ids.length > 0 ? [j] : []));
      const outputs = await abortable(this.model.predictMany(todo.map((j) => this.feeds(tokenized[j] as TokenizedText))), signal);
      const byIndex = new Map(todo.map((j, k) => [j, outputs[k] as Feeds]));
      part.forEach((text, j) => {
        const out = byIndex.get(j);
        results.push({ kind: 'spans', spans: out ? this.spans(tokenized[j] as TokenizedText, out[this.outName] as Tensor, text) : [] });
      });
    }
    return results;
  }

  /** Check the tokenizer's answer and cut it to `maxTokens`. */
  private checked(t: TokenizedText, text: string): TokenizedText {
    if (!t || typeof t !== 'object' || t.ids == null || !Array.isArray(t.offsets) || t.offsets.length !== t.ids.length) {
      throw new OnnxError('invalid_settings', `tokenize() must return { ids, offsets } with one offset pair (or null) per id; got ${describe(t)}`);
    }
    for (const o of t.offsets) {
      if (o !== null && !(Number.isInteger(o[0]) && Number.isInteger(o[1]) && o[0] >= 0 && o[0] <= o[1] && o[1] <= text.length)) {
        throw new OnnxError('invalid_settings', `tokenize() returned the offsets [${String(o)}], outside the text (length ${text.length}, UTF-16 code units)`);
      }
    }
    const max = this.settings.maxTokens;
    if (max === undefined || t.ids.length <= max) return t;
    return { ids: Array.from(t.ids).slice(0, max), offsets: t.offsets.slice(0, max), ...(t.continuesWord ? { continuesWord: Array.from(t.continuesWord).slice(0, max) } : {}) };
  }

  private feeds(t: TokenizedText): Feeds {
    const n = t.ids.length;
    const ids = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = t.ids[i] as number | bigint;
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new OnnxError('invalid_settings', `tokenize() returned a token id that is not an integer: ${v}`);
      ids[i] = BigInt(v);
    }
    const feeds: Feeds = { [this.names.ids]: new Tensor('int64', ids, [1, n]) };
    if (this.names.mask) feeds[this.names.mask] = new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    if (this.names.typeIds) feeds[this.names.typeIds] = new Tensor('int64', new BigInt64Array(n), [1, n]);
    return feeds;
  }

  private spans(t: TokenizedText, logits: Tensor, text: string): Span[] {
    const scores = toNumbers(logits);
    const tags = this.settings.labels.length;
    const n = t.ids.length;
    if (scores.length !== n * tags) {
      throw new OnnxError('invalid_settings', `${this.model.source} output "${this.outName}" has dims [${logits.dims.join(', ')}]; expected [1, ${n}, ${tags}] (tokens, tags)`, {
        source: this.model.source,
      });
    }
    const mode = this.settings.scores ?? 'auto';
    const tokens: TokenScores[] = [];
    let previousEnd = -1;
    for (let i = 0; i < n; i++) {
      const o = t.offsets[i];
      // Special tokens ([CLS], [SEP], padding) cover no text and are never part of a span.
      if (!o || o[1] <= o[0]) continue;
      // Default: a piece glued to the previous token, letter/digit to letter/digit ("bos" + "ton"), is
      // the same word; punctuation next to a word ("York" + ".") is a word of its own.
      const continuesWord = t.continuesWord ? Boolean(t.continuesWord[i]) : o[0] === previousEnd && isWordChar(text, o[0] - 1) && isWordChar(text, o[0]);
      previousEnd = o[1];
      tokens.push({ span: { start: o[0], end: o[1] }, probs: probabilities(scores.subarray(i * tags, (i + 1) * tags), mode, false), continuesWord });
    }
    return groupEntities(tokens, this.settings.labels, { strategy: this.settings.aggregation ?? 'first', ignore: this.ignore }).map((e) => ({
      start: e.start,
      end: e.end,
      label: e.entity,
      score: e.score,
    }));
  }
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

function isWordChar(text: string, index: number): boolean {
  const code = text.codePointAt(index);
  // A low surrogate: look at the whole code point that ends here.
  const c = code !== undefined && code >= 0xdc00 && code <= 0xdfff && index > 0 ? text.codePointAt(index - 1) : code;
  return c !== undefined && WORD_CHAR.test(String.fromCodePoint(c));
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `{ ${Object.keys(value).join(', ')} }`;
}
