// zero-shot-classification → <Choices> on a <Text>: an NLI model scores "This example is {label}." for
// each of the config's labels. transformers.js' pipeline runs one (text, label) pair per model call;
// here all pairs of all batched texts go through one call.
import { buildLabelMap, type LabelInterface } from '@lsml/core';
import type { LoadedPipeline } from '../runtime.js';
import { booleanOption, findTarget, LabelConfigMismatchError, lookupLabel, numberOption, requireTokenizer, rows, softmax, textOf } from './shared.js';
import { batched, type MappingContext, type PredictInput, type TaskMapping, type TaskPredictions } from './task-mapping.js';
import { choicesPredictions, type ChoicesTarget, type LabelScore } from './text-classification.js';

/** Options of {@link zeroShotMapping}. */
export interface ZeroShotOptions {
  /** Hypothesis with `{}` for the label (default `This example is {}.`); extra_params `hypothesis_template`. */
  hypothesisTemplate?: string;
  /** Score each label on its own (several may be true) instead of one softmax; extra_params `multi_label`. */
  multiLabel?: boolean;
  /**
   * The names given to the model, mapped to the config's labels with `buildLabelMap` (so
   * `predicted_values` work); default: the config's labels themselves. extra_params `candidate_labels`.
   */
  candidateLabels?: string[];
  /** Predictions per task (default 1); extra_params `top_k`. */
  topK?: number;
  /** With `multiLabel`, one prediction of every label over this score; extra_params `threshold`. */
  threshold?: number;
  /** Most (text, label) pairs per model call (default 64). */
  maxPairsPerCall?: number;
}

export interface ZeroShotTarget extends ChoicesTarget {
  candidates: string[];
  labelInterface: LabelInterface;
}

/** One zero-shot request: the text, the candidate labels and the hypothesis template. */
export interface ZeroShotItem {
  text: string;
  candidates: string[];
  hypothesisTemplate: string;
  multiLabel: boolean;
}

/** The entailment and contradiction logits of an NLI model; throws for a model without them. */
export function nliLabelIds(loaded: LoadedPipeline): { entailment: number; contradiction: number } {
  const label2id = loaded.pipe.model.config.label2id ?? {};
  const lower = new Map(Object.entries(label2id).map(([k, v]) => [k.toLowerCase(), Number(v)]));
  const entailment = lower.get('entailment');
  const contradiction = lower.get('contradiction') ?? lower.get('not_entailment');
  if (entailment === undefined || contradiction === undefined) {
    throw new LabelConfigMismatchError(
      `zero-shot-classification needs an NLI model whose labels include "entailment" and "contradiction"; "${loaded.model}" has ${Object.keys(label2id).join(', ') || 'no labels'}`,
    );
  }
  return { entailment, contradiction };
}

/** Scores per item (best first), every (text, hypothesis) pair of the batch in as few model calls as possible. */
export async function zeroShotScores(loaded: LoadedPipeline, items: ZeroShotItem[], maxPairsPerCall = 64): Promise<LabelScore[][]> {
  const tokenizer = requireTokenizer(loaded);
  const ids = nliLabelIds(loaded);
  const premises: string[] = [];
  const hypotheses: string[] = [];
  for (const item of items) {
    for (const c of item.candidates) {
      premises.push(item.text);
      hypotheses.push(item.hypothesisTemplate.replace('{}', c));
    }
  }
  const logits: Float32Array[] = [];
  for (let i = 0; i < premises.length; i += maxPairsPerCall) {
    const inputs = tokenizer(premises.slice(i, i + maxPairsPerCall), {
      text_pair: hypotheses.slice(i, i + maxPairsPerCall),
      padding: true,
      truncation: true,
    });
    const out = await loaded.pipe.model(inputs);
    if (!out.logits) throw new Error(`${loaded.model} returned no logits`);
    logits.push(...rows(out.logits));
  }
  let at = 0;
  return items.map((item) => {
    const own = logits.slice(at, at + item.candidates.length);
    at += item.candidates.length;
    // Like the Python pipeline: one softmax over the entailment logits, or per label entailment vs contradiction.
    const each = item.multiLabel || item.candidates.length === 1;
    const scores = each
      ? own.map((row) => softmax([row[ids.contradiction] as number, row[ids.entailment] as number])[1] as number)
      : softmax(own.map((row) => row[ids.entailment] as number));
    return item.candidates.map((label, i) => ({ label, score: scores[i] as number })).sort((a, b) => b.score - a.score);
  });
}

function stringList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim()) return value.split(',').map((s) => s.trim()).filter(Boolean);
  return undefined;
}

/** `zero-shot-classification` → a `<Choices>` over a `<Text>`, the config's choices being the candidate labels. */
export function zeroShotMapping(options: ZeroShotOptions = {}): TaskMapping<ZeroShotTarget> {
  return {
    prepare(li: LabelInterface | undefined, ctx: MappingContext): ZeroShotTarget {
      nliLabelIds(ctx.loaded);
      const target = findTarget(li, 'zero-shot-classification', 'Choices', ['Text', 'HyperText']);
      const control = (li as LabelInterface).getControl(target.fromName);
      if (control.labels.length === 0) {
        throw new LabelConfigMismatchError(`zero-shot-classification takes its candidate labels from <Choices name="${target.fromName}">, which has none`);
      }
      const candidates = options.candidateLabels ?? [...control.labels];
      return {
        ...target,
        ...candidateMap(li as LabelInterface, target.fromName, candidates, ctx),
        multiple: control.attrs.choice === 'multiple',
        labelInterface: li as LabelInterface,
      };
    },
    async predict(target: ZeroShotTarget, input: PredictInput, ctx: MappingContext): Promise<TaskPredictions[]> {
      const extra = input.extraParams;
      let { candidates, labelMap } = target;
      const fromExtra = stringList(extra.candidate_labels);
      if (fromExtra) ({ candidates, labelMap } = candidateMap(target.labelInterface, target.fromName, fromExtra, ctx));
      const multiLabel = booleanOption(extra.multi_label, options.multiLabel ?? false);
      const hypothesisTemplate = typeof extra.hypothesis_template === 'string' ? extra.hypothesis_template : (options.hypothesisTemplate ?? 'This example is {}.');
      const items = input.tasks.map((t) => ({ text: textOf(t, target.field), candidates, hypothesisTemplate, multiLabel }));
      const scores = await batched(ctx, 'zero-shot-classification', items, (batch) => zeroShotScores(ctx.loaded, batch, options.maxPairsPerCall));
      const threshold = extra.threshold ?? options.threshold;
      const opts = {
        topK: numberOption(extra.top_k, options.topK ?? 1),
        ...(multiLabel && threshold !== undefined ? { threshold: numberOption(threshold, 0.5) } : {}),
      };
      return scores.map((s) => choicesPredictions(s, { ...target, labelMap }, opts));
    },
  };
}

/** Candidate names → config labels; candidates the config cannot take are dropped (with a warning). */
function candidateMap(li: LabelInterface, control: string, candidates: string[], ctx: MappingContext): { candidates: string[]; labelMap: Record<string, string> } {
  // buildLabelMap honours predicted_values="…" on the config's choices.
  const labelMap = buildLabelMap(li, control, candidates);
  const usable = candidates.filter((c) => lookupLabel(labelMap, c) !== undefined);
  if (usable.length === 0) {
    throw new LabelConfigMismatchError(
      `None of the zero-shot candidate labels (${candidates.join(', ')}) is a label of <Choices name="${control}"> (${li.getControl(control).labels.join(', ')})`,
    );
  }
  if (usable.length < candidates.length) {
    ctx.logger.warn({ control, dropped: candidates.filter((c) => !usable.includes(c)) }, 'Zero-shot candidates without a config label are skipped');
  }
  return { candidates: usable, labelMap };
}
