// text-classification → <Choices> on a <Text>: the best label the config knows (with its score), or the
// top k as k predictions, or every label over a threshold as one multi-choice prediction.
import type { LabelInterface, PredictionValue } from '@lsml/core';
import type { LoadedPipeline } from '../runtime.js';
import {
  findTarget,
  lookupLabel,
  mapModelLabels,
  modelLabelNames,
  numberOption,
  requireTokenizer,
  rows,
  sigmoid,
  softmax,
  textOf,
  type LabelTarget,
} from './shared.js';
import { batched, type MappingContext, type PredictInput, type TaskMapping, type TaskPredictions } from './task-mapping.js';

/** A label with its score. */
export interface LabelScore {
  /** The model's label name. */
  label: string;
  score: number;
}

/** Options of {@link textClassificationMapping}. */
export interface TextClassificationOptions {
  /** Predictions per task, best first (default 1). Overridden by `top_k` in extra_params. */
  topK?: number;
  /**
   * Multi-label mode: one prediction holding every label scoring at least this much (for
   * `<Choices choice="multiple">`). Overridden by `threshold` in extra_params.
   */
  threshold?: number;
}

export interface ChoicesTarget extends LabelTarget {
  labelMap: Record<string, string>;
  multiple: boolean;
}

/**
 * Label probabilities for each text, best first: softmax over the logits, or a sigmoid per label for
 * models trained as `multi_label_classification`. One batched model call.
 */
export async function classifyTexts(loaded: LoadedPipeline, texts: string[]): Promise<LabelScore[][]> {
  const tokenizer = requireTokenizer(loaded);
  const inputs = tokenizer(texts, { padding: true, truncation: true });
  const { logits } = await loaded.pipe.model(inputs);
  if (!logits) throw new Error(`${loaded.model} returned no logits`);
  const config = loaded.pipe.model.config;
  const multiLabel = config.problem_type === 'multi_label_classification';
  return rows(logits).map((row) => {
    const labels = modelLabelNames(config, row.length);
    const probs = multiLabel ? sigmoid(row) : softmax(row);
    return probs.map((score, i) => ({ label: labels[i] as string, score })).sort((a, b) => b.score - a.score);
  });
}

/** Scores → predictions for one task, keeping only labels the config has. */
export function choicesPredictions(scores: readonly LabelScore[], target: ChoicesTarget, options: TextClassificationOptions): TaskPredictions {
  const known = scores.flatMap((s) => {
    const choice = lookupLabel(target.labelMap, s.label);
    return choice === undefined ? [] : [{ choice, score: s.score }];
  });
  const region = (choices: string[], score: number): PredictionValue => ({
    score,
    result: [{ from_name: target.fromName, to_name: target.toName, type: 'choices', value: { choices }, score }],
  });
  if (options.threshold !== undefined) {
    const over = known.filter((k) => k.score >= (options.threshold as number));
    if (over.length === 0) return { score: 0, result: [] };
    // Single-choice controls take one label: the best.
    const picked = target.multiple ? over : over.slice(0, 1);
    return region(
      [...new Set(picked.map((k) => k.choice))],
      Math.min(...picked.map((k) => k.score)),
    );
  }
  const topK = Math.max(1, Math.floor(options.topK ?? 1));
  const seen = new Set<string>();
  const best = known.filter((k) => !seen.has(k.choice) && seen.add(k.choice)).slice(0, topK);
  if (best.length === 0) return { score: 0, result: [] };
  if (topK === 1) return region([(best[0] as { choice: string }).choice], (best[0] as { score: number }).score);
  return best.map((k) => region([k.choice], k.score));
}

export function textClassificationOptions(base: TextClassificationOptions, extra: Record<string, unknown>): TextClassificationOptions {
  const threshold = extra.threshold ?? base.threshold;
  return {
    topK: numberOption(extra.top_k, base.topK ?? 1),
    ...(threshold !== undefined ? { threshold: numberOption(threshold, 0.5) } : {}),
  };
}

/** `text-classification` → a `<Choices>` over a `<Text>` (or `<HyperText>`). */
export function textClassificationMapping(options: TextClassificationOptions = {}): TaskMapping<ChoicesTarget> {
  return {
    prepare(li: LabelInterface | undefined, ctx: MappingContext): ChoicesTarget {
      const target = findTarget(li, 'text-classification', 'Choices', ['Text', 'HyperText']);
      const labels = modelLabelNames(ctx.loaded.pipe.model.config);
      const labelMap = mapModelLabels(li as LabelInterface, target.fromName, labels, ctx.loaded.model, (unmapped) =>
        ctx.logger.warn({ control: target.fromName, unmapped }, 'Model labels without a config label are never predicted'),
      );
      const multiple = (li as LabelInterface).getControl(target.fromName).attrs.choice === 'multiple';
      return { ...target, labelMap, multiple };
    },
    async predict(target: ChoicesTarget, input: PredictInput, ctx: MappingContext): Promise<TaskPredictions[]> {
      const texts = input.tasks.map((t) => textOf(t, target.field));
      const scores = await batched(ctx, 'text-classification', texts, (batch) => classifyTexts(ctx.loaded, batch));
      const opts = textClassificationOptions(options, input.extraParams);
      return scores.map((s) => choicesPredictions(s, target, opts));
    },
  };
}
