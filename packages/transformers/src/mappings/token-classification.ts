// token-classification → <Labels> spans on a <Text>, with exact character offsets. The model runs on
// tokens; offsets come from aligning each token back to the text (text-offsets.ts), sub-word pieces are
// merged into words and words into entities (entity-grouping.ts). Texts longer than the model's input
// are cut at word boundaries into windows that are run as separate batch items.
import { toCodePointOffset, type LabelInterface, type PredictionValue } from '@lsml/core';
import { groupEntities, splitTag, type AggregationStrategy, type EntitySpan, type TokenScores } from '../entity-grouping.js';
import type { TokenizerLike } from '../library-types.js';
import type { LoadedPipeline } from '../runtime.js';
import { alignTokens, pieceText, type CharSpan } from '../text-offsets.js';
import { findTarget, idRows, need, lookupLabel, mapModelLabels, maxTokens, modelLabelNames, numberOption, requireTokenizer, softmax, textOf, type LabelTarget } from './shared.js';
import { batched, type MappingContext, type PredictInput, type TaskMapping, type TaskPredictions } from './task-mapping.js';

/** Options of {@link tokenClassificationMapping}. */
export interface TokenClassificationOptions {
  /** How sub-word pieces become words (default `first`, like Python's `aggregation_strategy="first"`); extra_params `aggregation_strategy`. */
  aggregationStrategy?: AggregationStrategy;
  /** Model labels that are not entities (default `['O']`). */
  ignoreLabels?: string[];
  /** Drop entities scoring below this (default 0); extra_params `threshold`. */
  minScore?: number;
}

export interface SpanTarget extends LabelTarget {
  /** Entity type (`PER`, without B-/I-) → config label. */
  labelMap: Record<string, string>;
}

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
  pieces: Array<{ text: string; continuation: boolean } | null>;
}

/** The real (non-special) tokens of each row, with their decoded text; `[UNK]` is kept as null. */
function sequenceTokens(tok: TokenizerLike, idRowsList: number[][], maskRows: number[][] | undefined): SequenceTokens[] {
  const special = new Set(tok.all_special_ids ?? []);
  const unk = tok.unk_token_id ?? tok.model?.unk_token_id ?? undefined;
  return idRowsList.map((row, b) => {
    const ids: number[] = [];
    const pieces: SequenceTokens['pieces'] = [];
    row.forEach((id, s) => {
      if (maskRows && maskRows[b]?.[s] === 0) return;
      if (id === unk) {
        ids.push(id);
        pieces.push(null);
        return;
      }
      if (special.has(id)) return;
      ids.push(id);
      pieces.push(pieceText(tok.decode([id], { skip_special_tokens: false })));
    });
    return { ids, pieces };
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

/** One model call for a batch of windows: per-token probabilities with spans inside each window. */
export async function scoreTokens(loaded: LoadedPipeline, texts: string[]): Promise<TokenScores[][]> {
  const tok = requireTokenizer(loaded);
  const inputs = tok(texts, { padding: true, truncation: true });
  const { logits } = await loaded.pipe.model(inputs);
  if (!logits || logits.dims.length !== 3) throw new Error(`${loaded.model} did not return [batch, tokens, labels] logits; is it a token classification model?`);
  const ids = idRows(need(inputs, 'input_ids'));
  const mask = inputs.attention_mask ? idRows(inputs.attention_mask) : undefined;
  const [, seqLen = 0, numLabels = 0] = logits.dims;
  const data = logits.data as ArrayLike<number>;
  const kind = tokenizerKind(tok);
  // Positions of kept tokens are needed to read their logits, so recompute them per row.
  const special = new Set(tok.all_special_ids ?? []);
  const unk = tok.unk_token_id ?? tok.model?.unk_token_id ?? undefined;
  const seqs = sequenceTokens(tok, ids, mask);
  return texts.map((text, b) => {
    const positions: number[] = [];
    (ids[b] as number[]).forEach((id, s) => {
      if (mask && mask[b]?.[s] === 0) return;
      if (id !== unk && special.has(id)) return;
      positions.push(s);
    });
    const seq = seqs[b] as SequenceTokens;
    const spans = alignTokens(text, seq.pieces.map((p) => p?.text ?? null));
    const continues = withContinuation(spans, seq.pieces, kind);
    const out: TokenScores[] = [];
    spans.forEach((span, i) => {
      if (!span) return;
      const pos = positions[i] as number;
      const base = (b * seqLen + pos) * numLabels;
      const row = Array.from({ length: numLabels }, (_, k) => data[base + k] as number);
      out.push({ span, probs: softmax(row), continuesWord: continues[i] as boolean });
    });
    return out;
  });
}

/** Entity spans of each text (offsets into that text), windows and batching included. */
export async function recognizeEntities(
  ctx: MappingContext,
  texts: string[],
  options: TokenClassificationOptions = {},
): Promise<EntitySpan[][]> {
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

/** Entity types a BIO label set names: `B-PER`, `I-PER` → `PER`. */
export function entityTypes(labels: readonly string[], ignore: readonly string[] = ['O']): string[] {
  return [...new Set(labels.filter((l) => !ignore.includes(l)).map((l) => splitTag(l)[1]))];
}

/** Entities as one prediction of `<Labels>` spans (labels mapped to the config's; others dropped). */
export function spanPredictions(text: string, entities: readonly EntitySpan[], target: SpanTarget): PredictionValue {
  const result = entities.flatMap((e) => {
    const label = lookupLabel(target.labelMap, e.entity);
    if (label === undefined || e.end <= e.start) return [];
    return [
      {
        from_name: target.fromName,
        to_name: target.toName,
        type: 'labels',
        // Label Studio counts Text offsets in code points (like Python), not UTF-16 units.
        value: { start: toCodePointOffset(text, e.start), end: toCodePointOffset(text, e.end), text: text.slice(e.start, e.end), labels: [label] },
        score: e.score,
      },
    ];
  });
  const score = result.length > 0 ? result.reduce((a, r) => a + r.score, 0) / result.length : 0;
  return { score, result };
}

const STRATEGIES: readonly AggregationStrategy[] = ['simple', 'first', 'average', 'max'];

/** `token-classification` (NER) → `<Labels>` spans over a `<Text>`. */
export function tokenClassificationMapping(options: TokenClassificationOptions = {}): TaskMapping<SpanTarget> {
  return {
    prepare(li: LabelInterface | undefined, ctx: MappingContext): SpanTarget {
      const target = findTarget(li, 'token-classification', 'Labels', ['Text']);
      const types = entityTypes(modelLabelNames(ctx.loaded.pipe.model.config), options.ignoreLabels);
      const labelMap = mapModelLabels(li as LabelInterface, target.fromName, types, ctx.loaded.model, (unmapped) =>
        ctx.logger.warn({ control: target.fromName, unmapped }, 'Entity types without a config label are never predicted'),
      );
      return { ...target, labelMap };
    },
    async predict(target: SpanTarget, input: PredictInput, ctx: MappingContext): Promise<TaskPredictions[]> {
      const extra = input.extraParams;
      const strategy = STRATEGIES.find((s) => s === extra.aggregation_strategy) ?? options.aggregationStrategy;
      const texts = input.tasks.map((t) => textOf(t, target.field));
      const entities = await recognizeEntities(ctx, texts, {
        ...options,
        ...(strategy ? { aggregationStrategy: strategy } : {}),
        minScore: numberOption(extra.threshold, options.minScore ?? 0),
      });
      return entities.map((e, i) => spanPredictions(texts[i] as string, e, target));
    },
  };
}
