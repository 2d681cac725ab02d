// token-classification → character spans with exact UTF-16 offsets of the input text. The model runs on
// tokens; offsets come from aligning each token back to the text (text-offsets.ts), sub-word pieces are
// merged into words and words into entities (entity grouping). Texts longer than the model's input
// are cut at word boundaries into windows that are run as separate batch items.
import { numberParam, groupEntities, softmax, type AggregationStrategy, type EntitySpan, type RunOptions, type SpansOutput, type TextInput, type TokenScores } from '@lsml/core';
import { TransformersError } from '../errors.js';
import type { TokenizerLike } from '../library-types.js';
import type { LoadedPipeline } from '../pipelines.js';
import type { TokenClassificationOptions } from '../settings.js';
import { alignTokens, pieceText, type CharSpan } from '../text-offsets.js';
import { batched, idRows, maxTokens, modelLabelNames, need, requireTokenizer, type TaskContext } from './context.js';

/** Text of one model input and where it starts in the task's text. */
interface Window {
  offset: number;
  text: string;
}

/** 'wordpiece' when sub-words carry a `##` marker (so a token without one starts a word). */
function tokenizerKind(tok: TokenizerLike): 'wordpiece' | 'other' {
  // Library internals, read defensively: v3/v4 keep the tokenizer.json, v2 the model object.
  const t = tok as unknown as { _tokenizerJSON?: { model?: { type?: string } }; model?: { constructor?: { name?: string } } };
  const type = t._tokenizerJSON?.model?.type ?? t.model?.constructor?.name ?? '';
  return /wordpiece/i.test(type) ? 'wordpiece' : 'other';
}

interface SequenceTokens {
  ids: number[];
  /** Row index of each kept token (where its logits are). */
  positions: number[];
  pieces: Array<{ text: string; continuation: boolean } | null>;
}

/**
 * Each token id decoded on its own, once per tokenizer: decoding runs the tokenizer's whole clean-up
 * (a dozen regex replaces) and was most of the garbage a prediction made. Bounded by the vocabulary.
 */
const pieceCache = new WeakMap<TokenizerLike, Map<number, { text: string; continuation: boolean }>>();

function decodedPiece(tok: TokenizerLike, id: number): { text: string; continuation: boolean } {
  let cache = pieceCache.get(tok);
  if (!cache) pieceCache.set(tok, (cache = new Map()));
  let piece = cache.get(id);
  if (!piece) cache.set(id, (piece = pieceText(tok.decode([id], { skip_special_tokens: false }))));
  return piece;
}

/** The real (non-special) tokens of each row, with their decoded text; `[UNK]` is kept as null. */
function sequenceTokens(tok: TokenizerLike, idRowsList: number[][], maskRows: number[][] | undefined): SequenceTokens[] {
  const special = new Set(tok.all_special_ids ?? []);
  const unk = tok.unk_token_id ?? tok.model?.unk_token_id ?? undefined;
  return idRowsList.map((row, b) => {
    const ids: number[] = [];
    const positions: number[] = [];
    const pieces: SequenceTokens['pieces'] = [];
    const mask = maskRows?.[b];
    for (let s = 0; s < row.length; s++) {
      const id = row[s] as number;
      if (mask && mask[s] === 0) continue;
      if (id === unk) {
        ids.push(id);
        positions.push(s);
        pieces.push(null);
        continue;
      }
      if (special.has(id)) continue;
      ids.push(id);
      positions.push(s);
      pieces.push(decodedPiece(tok, id));
    }
    return { ids, positions, pieces };
  });
}

function withContinuation(spans: Array<CharSpan | null>, pieces: SequenceTokens['pieces'], kind: 'wordpiece' | 'other'): boolean[] {
  let prevEnd = -1;
  return spans.map((span, i) => {
    if (!span) return false;
    const contiguous = prevEnd === span.start;
    prevEnd = span.end;
    const piece = pieces[i];
    // WordPiece marks sub-words; for BPE/SentencePiece "no space before it" is the rule (as in Python's pipelines).
    return kind === 'wordpiece' ? Boolean(piece?.continuation) && contiguous : contiguous;
  });
}

/**
 * Cut `text` into windows that fit the model (`maxLen` tokens with specials), at word starts. Most
 * texts are one window.
 */
export function splitIntoWindows(tok: TokenizerLike, text: string, maxLen: number): Window[] {
  const specials = idRows(need(tok('', { add_special_tokens: true }), 'input_ids'))[0]?.length ?? 2;
  const budget = Math.max(8, maxLen - specials - 4);
  // Every token covers at least one UTF-8 byte, so short texts need no extra tokenization.
  if (Buffer.byteLength(text, 'utf8') <= budget) return [{ offset: 0, text }];
  const encoded = tok(text, { add_special_tokens: false });
  const ids = idRows(need(encoded, 'input_ids'))[0] ?? [];
  if (ids.length <= budget) return [{ offset: 0, text }];
  const [seq] = sequenceTokens(tok, [ids], undefined);
  const spans = alignTokens(text, (seq as SequenceTokens).pieces.map((p) => p?.text ?? null));
  const continues = withContinuation(spans, (seq as SequenceTokens).pieces, tokenizerKind(tok));
  const windows: Window[] = [];
  let first = 0;
  while (first < spans.length) {
    let cut = Math.min(first + budget, spans.length);
    if (cut < spans.length) {
      // Back off to the start of a word (keep at least half a window).
      let k = cut;
      while (k > first + budget / 2 && (continues[k] || !spans[k])) k--;
      if (k > first + budget / 2) cut = k;
    }
    const startSpan = spans.slice(first, cut).find((s) => s) ?? null;
    const endSpan = [...spans.slice(first, cut)].reverse().find((s) => s) ?? null;
    if (startSpan && endSpan) windows.push({ offset: startSpan.start, text: text.slice(startSpan.start, endSpan.end) });
    first = cut;
  }
  return windows;
}

/** `count` logits from `base`: a view when the tensor holds a typed array (it always does in practice). */
function labelRow(data: ArrayLike<number>, base: number, count: number): ArrayLike<number> {
  return ArrayBuffer.isView(data) ? (data as Float32Array).subarray(base, base + count) : Array.from({ length: count }, (_, k) => data[base + k] as number);
}

/** One model call for a batch of windows: per-token probabilities with spans inside each window. */
export async function scoreTokens(loaded: LoadedPipeline, texts: string[]): Promise<TokenScores[][]> {
  const tok = requireTokenizer(loaded);
  const inputs = tok(texts, { padding: true, truncation: true });
  const { logits } = await loaded.pipe.model(inputs);
  if (!logits || logits.dims.length !== 3) throw new TransformersError('inference', `${loaded.model} did not return [batch, tokens, labels] logits; is it a token classification model?`);
  const ids = idRows(need(inputs, 'input_ids'));
  const mask = inputs.attention_mask ? idRows(inputs.attention_mask) : undefined;
  const [, seqLen = 0, numLabels = 0] = logits.dims;
  const data = logits.data as ArrayLike<number>;
  const kind = tokenizerKind(tok);
  const seqs = sequenceTokens(tok, ids, mask);
  return texts.map((text, b) => {
    const seq = seqs[b] as SequenceTokens;
    const spans = alignTokens(text, seq.pieces.map((p) => p?.text ?? null));
    const continues = withContinuation(spans, seq.pieces, kind);
    const out: TokenScores[] = [];
    spans.forEach((span, i) => {
      if (!span) return;
      const base = (b * seqLen + (seq.positions[i] as number)) * numLabels;
      out.push({ span, probs: softmax(labelRow(data, base, numLabels)), continuesWord: continues[i] as boolean });
    });
    return out;
  });
}

/** Entity spans of each text (UTF-16 offsets into that text), windows and batching included. */
export async function recognizeEntities(ctx: TaskContext, texts: readonly string[], options: TokenClassificationOptions = {}): Promise<EntitySpan[][]> {
  const tok = requireTokenizer(ctx.loaded);
  const limit = maxTokens(ctx.loaded);
  const windows = texts.map((text) => splitIntoWindows(tok, text, limit));
  const flat = windows.flat();
  const scored = await batched(ctx, 'token-classification', flat.map((w) => w.text), (batch) => scoreTokens(ctx.loaded, batch));
  const labels = modelLabelNames(ctx.loaded.pipe.model.config);
  let at = 0;
  return windows.map((ws) => {
    const tokens: TokenScores[] = [];
    for (const w of ws) {
      for (const t of scored[at++] as TokenScores[]) tokens.push({ ...t, span: { start: t.span.start + w.offset, end: t.span.end + w.offset } });
    }
    return groupEntities(tokens, labels, {
      strategy: options.aggregationStrategy ?? 'first',
      ignore: options.ignoreLabels ?? ['O'],
    }).filter((e) => e.score >= (options.minScore ?? 0));
  });
}

const STRATEGIES: readonly AggregationStrategy[] = ['simple', 'first', 'average', 'max'];

/** token-classification: one SpansOutput per input, labelled with entity types (`PER`, not `B-PER`). */
export async function runTokenClassification(
  ctx: TaskContext,
  inputs: readonly TextInput[],
  options: TokenClassificationOptions,
  params: RunOptions['params'] = {},
): Promise<SpansOutput[]> {
  const strategy = STRATEGIES.find((s) => s === params.aggregation_strategy) ?? options.aggregationStrategy;
  const entities = await recognizeEntities(
    ctx,
    inputs.map((i) => i.text),
    { ...options, ...(strategy ? { aggregationStrategy: strategy } : {}), minScore: numberParam(params.threshold, options.minScore ?? 0) },
  );
  return entities.map((list) => ({
    kind: 'spans',
    spans: list.filter((e) => e.end > e.start).map((e) => ({ start: e.start, end: e.end, label: e.entity, score: e.score })),
  }));
}
