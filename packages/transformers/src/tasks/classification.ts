// Class scores: text-classification and image-classification (one model call per batch; softmax, or a
// sigmoid per class for models trained as multi-label), and zero-shot-classification (an NLI model
// scores "This example is {label}." for each candidate label; all pairs of a batch in as few calls as
// possible, where transformers.js' own pipeline runs one pair per call).
import { booleanParam, sigmoid, softmax, type ClassesOutput, type ImageInput, type RunOptions, type TextInput } from '@lsml/core';
import { TransformersError } from '../errors.js';
import type { RawImageLike, TensorLike } from '../library-types.js';
import type { LoadedPipeline } from '../pipelines.js';
import type { ZeroShotOptions } from '../settings.js';
import { batched, modelLabelNames, requireTokenizer, rows, stringList, type TaskContext } from './context.js';

/** Logits rows → one ClassesOutput each, over every class of the model in its output order. */
function classesOf(loaded: LoadedPipeline, logits: TensorLike): ClassesOutput[] {
  const config = loaded.pipe.model.config;
  const multiLabel = config.problem_type === 'multi_label_classification';
  return rows(logits).map((row) => {
    const labels = modelLabelNames(config, row.length);
    const probs = multiLabel ? sigmoid(row) : softmax(row);
    return { kind: 'classes', classes: probs.map((score, i) => ({ label: labels[i] as string, score })), multiLabel };
  });
}

/** One batched model call over texts. */
export async function classifyTexts(loaded: LoadedPipeline, texts: string[]): Promise<ClassesOutput[]> {
  const tokenizer = requireTokenizer(loaded);
  const inputs = tokenizer(texts, { padding: true, truncation: true });
  const { logits } = await loaded.pipe.model(inputs);
  if (!logits) throw new TransformersError('inference', `${loaded.model} returned no logits`);
  return classesOf(loaded, logits);
}

/** text-classification: every class of the model, scored. */
export function runTextClassification(ctx: TaskContext, inputs: readonly TextInput[]): Promise<ClassesOutput[]> {
  return batched(ctx, 'text-classification', inputs.map((i) => i.text), (batch) => classifyTexts(ctx.loaded, batch));
}

/** The decoded pixels as the library's RawImage (no copy). */
export function rawImage(loaded: LoadedPipeline, image: ImageInput): RawImageLike {
  const { RawImage } = loaded.library.module;
  return new RawImage(image.pixels, image.width, image.height, image.channels);
}

/** One image-processor + model call over images. */
export async function classifyImages(loaded: LoadedPipeline, images: RawImageLike[]): Promise<ClassesOutput[]> {
  const processor = loaded.pipe.processor;
  if (!processor) throw new TransformersError('model_load', `The image-classification pipeline of "${loaded.model}" has no image processor`);
  const { pixel_values } = await processor(images);
  const { logits } = await loaded.pipe.model({ pixel_values: pixel_values as TensorLike });
  if (!logits) throw new TransformersError('inference', `${loaded.model} returned no logits`);
  return classesOf(loaded, logits);
}

/** image-classification: every class of the model, scored. */
export function runImageClassification(ctx: TaskContext, inputs: readonly ImageInput[]): Promise<ClassesOutput[]> {
  const images = inputs.map((i) => rawImage(ctx.loaded, i));
  return batched(ctx, 'image-classification', images, (batch) => classifyImages(ctx.loaded, batch));
}

/** The entailment and contradiction logits of an NLI model; throws for a model without them. */
export function nliLabelIds(loaded: LoadedPipeline): { entailment: number; contradiction: number } {
  const label2id = loaded.pipe.model.config.label2id ?? {};
  const lower = new Map(Object.entries(label2id).map(([k, v]) => [k.toLowerCase(), Number(v)]));
  const entailment = lower.get('entailment');
  const contradiction = lower.get('contradiction') ?? lower.get('not_entailment');
  if (entailment === undefined || contradiction === undefined) {
    throw new TransformersError(
      'model_load',
      `zero-shot-classification needs an NLI model whose labels include "entailment" and "contradiction"; "${loaded.model}" has ${Object.keys(label2id).join(', ') || 'no labels'}`,
    );
  }
  return { entailment, contradiction };
}

/** One text to score against its candidate labels. */
export interface ZeroShotItem {
  text: string;
  candidates: readonly string[];
  hypothesisTemplate: string;
  multiLabel: boolean;
}

/** Scores per item, every (text, hypothesis) pair of the batch in as few model calls as possible. */
export async function zeroShotScores(loaded: LoadedPipeline, items: ZeroShotItem[], maxPairsPerCall = 64): Promise<ClassesOutput[]> {
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
    const inputs = tokenizer(premises.slice(i, i + maxPairsPerCall), { text_pair: hypotheses.slice(i, i + maxPairsPerCall), padding: true, truncation: true });
    const out = await loaded.pipe.model(inputs);
    if (!out.logits) throw new TransformersError('inference', `${loaded.model} returned no logits`);
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
    return { kind: 'classes', classes: item.candidates.map((label, i) => ({ label, score: scores[i] as number })), multiLabel: each };
  });
}

/**
 * zero-shot-classification: the candidates are `params.candidate_labels`, else the input's
 * `candidateLabels` (the head passes the label config's), else `options.candidateLabels`.
 */
export function runZeroShot(ctx: TaskContext, inputs: readonly TextInput[], options: ZeroShotOptions, params: RunOptions['params'] = {}): Promise<ClassesOutput[]> {
  const fromParams = stringList(params.candidate_labels);
  const multiLabel = booleanParam(params.multi_label, options.multiLabel ?? false);
  const hypothesisTemplate =
    typeof params.hypothesis_template === 'string' && params.hypothesis_template.includes('{}') ? params.hypothesis_template : (options.hypothesisTemplate ?? 'This example is {}.');
  const items = inputs.map((input, i): ZeroShotItem => {
    const candidates = fromParams ?? input.candidateLabels ?? options.candidateLabels;
    if (!candidates || candidates.length === 0) {
      throw new TransformersError(
        'invalid_input',
        `zero-shot-classification input ${i} has no candidate labels: pass TextInput.candidateLabels (heads fill them from the label config), the candidate_labels param, or options.candidateLabels`,
      );
    }
    return { text: input.text, candidates: [...new Set(candidates)], hypothesisTemplate, multiLabel };
  });
  return batched(ctx, 'zero-shot-classification', items, (batch) => zeroShotScores(ctx.loaded, batch, options.maxPairsPerCall));
}
