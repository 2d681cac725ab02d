import type { Task, WebhookData, WebhookEvent } from '../protocol/types.js';
import { LabelStudioMLBase, type BackendClass, type PredictOptions, type PredictReturn } from './label-studio-ml-base.js';

/** The functional form of a backend: the same hooks as the class, with the instance passed in. */
export interface BackendDefinition {
  /** Reported as `model_class` by `/health`. */
  name?: string;
  /** Runs once when an instance is created for a project (load a model, set `model_version`). */
  setup?: (model: LabelStudioMLBase) => Promise<void> | void;
  /** Predictions for `tasks` (one per task, in order), as `LabelStudioMLBase.predict` returns them. */
  predict?: (tasks: Task[], options: PredictOptions & { model: LabelStudioMLBase }) => Promise<PredictReturn> | PredictReturn;
  /** Handles a webhook event (default: queue a training job when the backend trains). */
  fit?: (event: WebhookEvent, data: WebhookData, options: { model: LabelStudioMLBase }) => Promise<unknown> | unknown;
}

/**
 * Build a backend class from plain functions, for users who prefer them to subclassing:
 * `export default defineBackend({ predict: (tasks) => ... })`.
 *
 * @example
 * ```ts
 * // model.ts — serve it with `npx lsml start model.ts`
 * import { defineBackend } from '@lsml/core';
 *
 * export default defineBackend({
 *   name: 'AlwaysPositive',
 *   predict: (tasks, { model }) => {
 *     const [fromName, toName] = model.labelInterface!.getFirstTagOccurrence('Choices', 'Text');
 *     return tasks.map(() => ({ result: [{ from_name: fromName, to_name: toName, type: 'choices', value: { choices: ['Positive'] } }] }));
 *   },
 * });
 * ```
 */
export function defineBackend(definition: BackendDefinition): BackendClass {
  const name = definition.name ?? 'Backend';
  const Backend = class extends LabelStudioMLBase {
    override async setup(): Promise<void> {
      await definition.setup?.(this);
    }

    override async predict(tasks: Task[], options: PredictOptions): Promise<PredictReturn> {
      return definition.predict ? definition.predict(tasks, { ...options, model: this }) : null;
    }

    override async fit(event: WebhookEvent, data: WebhookData): Promise<unknown> {
      return definition.fit ? definition.fit(event, data, { model: this }) : null;
    }
  };
  Object.defineProperty(Backend, 'name', { value: name });
  return Backend;
}
