// Per-token label scores → entity spans, the Hugging Face `aggregation_strategy` rules: sub-word pieces
// are merged into words (first / average / max) or kept as tokens (simple), then adjacent words with
// the same entity type are joined following their B-/I- (and E-/S-) prefixes.
import type { CharSpan } from './text-offsets.js';

/** How sub-word tokens are merged into words and entities (Python's `aggregation_strategy`). */
export type AggregationStrategy = 'simple' | 'first' | 'average' | 'max';

/** One token's character span and label probabilities. */
export interface TokenScores {
  span: CharSpan;
  /** Probabilities over the model's labels (softmax of the token's logits). */
  probs: ArrayLike<number>;
  /** True when the token continues the previous token's word (a `##` piece, or no space between). */
  continuesWord: boolean;
}

/** An entity found in a text: its type, character span and score. */
export interface EntitySpan {
  /** Entity type without its B-/I- prefix (`PER`), as the model names it. */
  entity: string;
  start: number;
  end: number;
  /** Mean score of the words (or tokens) in the span. */
  score: number;
}

interface Unit {
  label: string;
  score: number;
  start: number;
  end: number;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** `B-PER` → ['B', 'PER']; a label without a prefix counts as inside (`I`). */
export function splitTag(label: string): [prefix: 'B' | 'I' | 'E' | 'S', type: string] {
  const p = label[0];
  if (label[1] === '-' && (p === 'B' || p === 'I' || p === 'E' || p === 'S')) return [p, label.slice(2)];
  return ['I', label];
}

function tokenUnit(t: TokenScores, labels: readonly string[]): Unit {
  const best = argmax(t.probs);
  return { label: labels[best] ?? `LABEL_${best}`, score: t.probs[best] as number, start: t.span.start, end: t.span.end };
}

function wordUnits(tokens: readonly TokenScores[], labels: readonly string[], strategy: Exclude<AggregationStrategy, 'simple'>): Unit[] {
  const words: TokenScores[][] = [];
  for (const t of tokens) {
    const current = words[words.length - 1];
    if (current && t.continuesWord) current.push(t);
    else words.push([t]);
  }
  return words.map((word) => {
    const first = word[0] as TokenScores;
    const last = word[word.length - 1] as TokenScores;
    let probs: ArrayLike<number>;
    if (strategy === 'first') probs = first.probs;
    else if (strategy === 'max') probs = word.reduce((a, b) => (Math.max(...Array.from(b.probs)) > Math.max(...Array.from(a.probs)) ? b : a)).probs;
    else {
      const sum = new Array<number>(first.probs.length).fill(0);
      for (const t of word) for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (t.probs[i] as number) / word.length;
      probs = sum;
    }
    const best = argmax(probs);
    return { label: labels[best] ?? `LABEL_${best}`, score: probs[best] as number, start: first.span.start, end: last.span.end };
  });
}

/**
 * Group scored tokens (in text order) into entity spans. Labels in `ignore` (default `O`) end a span
 * and never start one.
 */
export function groupEntities(
  tokens: readonly TokenScores[],
  labels: readonly string[],
  options: { strategy?: AggregationStrategy; ignore?: readonly string[] } = {},
): EntitySpan[] {
  const strategy = options.strategy ?? 'first';
  const ignore = new Set(options.ignore ?? ['O']);
  const units = strategy === 'simple' ? tokens.map((t) => tokenUnit(t, labels)) : wordUnits(tokens, labels, strategy);

  const out: EntitySpan[] = [];
  let open: { entity: string; start: number; end: number; scores: number[]; closed: boolean } | null = null;
  const flush = () => {
    if (open) out.push({ entity: open.entity, start: open.start, end: open.end, score: open.scores.reduce((a, b) => a + b, 0) / open.scores.length });
    open = null;
  };
  for (const u of units) {
    if (ignore.has(u.label)) {
      flush();
      continue;
    }
    const [prefix, type] = splitTag(u.label);
    if (open && !open.closed && open.entity === type && (prefix === 'I' || prefix === 'E')) {
      open.end = Math.max(open.end, u.end);
      open.scores.push(u.score);
      if (prefix === 'E') open.closed = true;
      continue;
    }
    flush();
    open = { entity: type, start: u.start, end: u.end, scores: [u.score], closed: prefix === 'S' };
  }
  flush();
  return out;
}
