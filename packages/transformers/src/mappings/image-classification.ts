// image-classification → <Choices> on an <Image>: the image processor and model run on a batch of
// images; label selection is the same as for text (top label, top k, or a threshold).
import type { LabelInterface } from '@lsml/core';
import type { RawImageLike, TensorLike } from '../library-types.js';
import type { LoadedPipeline } from '../runtime.js';
import { findTarget, mapModelLabels, modelLabelNames, rows, sigmoid, softmax } from './shared.js';
import { loadTaskImage, type ImageOptions } from './task-images.js';
import { batched, type MappingContext, type PredictInput, type TaskMapping, type TaskPredictions } from './task-mapping.js';
import { choicesPredictions, textClassificationOptions, type ChoicesTarget, type LabelScore, type TextClassificationOptions } from './text-classification.js';

/** Options of {@link imageClassificationMapping}. */
export interface ImageClassificationOptions extends TextClassificationOptions, ImageOptions {}

/** Label probabilities for each image, best first (one processor + model call). */
export async function classifyImages(loaded: LoadedPipeline, images: RawImageLike[]): Promise<LabelScore[][]> {
  const processor = loaded.pipe.processor;
  if (!processor) throw new Error(`The image-classification pipeline of "${loaded.model}" has no image processor`);
  const { pixel_values } = await processor(images);
  const { logits } = await loaded.pipe.model({ pixel_values: pixel_values as TensorLike });
  if (!logits) throw new Error(`${loaded.model} returned no logits`);
  const config = loaded.pipe.model.config;
  const multiLabel = config.problem_type === 'multi_label_classification';
  return rows(logits).map((row) => {
    const labels = modelLabelNames(config, row.length);
    const probs = multiLabel ? sigmoid(row) : softmax(row);
    return probs.map((score, i) => ({ label: labels[i] as string, score })).sort((a, b) => b.score - a.score);
  });
}

/** `image-classification` → a `<Choices>` over an `<Image>`. */
export function imageClassificationMapping(options: ImageClassificationOptions = {}): TaskMapping<ChoicesTarget> {
  return {
    prepare(li: LabelInterface | undefined, ctx: MappingContext): ChoicesTarget {
      const target = findTarget(li, 'image-classification', 'Choices', ['Image']);
      const labelMap = mapModelLabels(li as LabelInterface, target.fromName, modelLabelNames(ctx.loaded.pipe.model.config), ctx.loaded.model, (unmapped) =>
        ctx.logger.warn({ control: target.fromName, unmapped }, 'Model labels without a config label are never predicted'),
      );
      return { ...target, labelMap, multiple: (li as LabelInterface).getControl(target.fromName).attrs.choice === 'multiple' };
    },
    async predict(target: ChoicesTarget, input: PredictInput, ctx: MappingContext): Promise<TaskPredictions[]> {
      const images = await Promise.all(input.tasks.map((t) => loadTaskImage(ctx.loaded, t, target.field, options)));
      const scores = await batched(ctx, 'image-classification', images, (batch) => classifyImages(ctx.loaded, batch));
      const opts = textClassificationOptions(options, input.extraParams);
      return scores.map((s) => choicesPredictions(s, target, opts));
    },
  };
}
