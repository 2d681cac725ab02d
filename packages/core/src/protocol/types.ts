import type { ResultItem } from '../label-config/regions.js';

export type { ResultItem };

/** A JSON value as it travels on the wire. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object (what `JSON.parse` can return for `{…}`). */
export type JsonObject = { [key: string]: JsonValue };

/**
 * A Label Studio task as sent to `/predict` (TaskSimpleSerializer output or the interactive export).
 * Only `data` is always meaningful; LS adds many bookkeeping columns, kept as unknown extras.
 */
export interface Task {
  id?: number;
  data?: Record<string, unknown>;
  meta?: Record<string, unknown>;
  annotations?: Annotation[];
  predictions?: Array<Record<string, unknown>>;
  drafts?: Array<Record<string, unknown>>;
  project?: number;
  [key: string]: unknown;
}

/** An annotation as Label Studio sends it in webhooks and `/train` (only `result` is always meaningful). */
export interface Annotation {
  id?: number;
  result?: ResultItem[];
  task?: number | Task;
  project?: number;
  completed_by?: number | Record<string, unknown>;
  was_cancelled?: boolean;
  ground_truth?: boolean;
  [key: string]: unknown;
}

/** One prediction for one task (Python's `PredictionValue`). */
export interface PredictionValue {
  model_version?: string | null;
  /** null or a number in [0, 1]; defaults to 0 when it goes through a `ModelResponse`. */
  score?: number | null;
  result: ResultItem[];
}

/** Interactive pre-annotation context sent by the labelling UI (§5.5); null for batch prediction. */
export interface InteractiveContext {
  annotation_id?: number | null;
  draft_id?: number | null;
  user_id?: number | null;
  result?: ResultItem[];
  [key: string]: unknown;
}

/** `POST /setup` body (§4.3). */
export interface SetupRequest {
  project: string | number;
  schema?: string | null;
  hostname?: string;
  access_token?: string;
  extra_params?: unknown;
  model_version?: string;
  [key: string]: unknown;
}

/** `POST /predict` body (§4.4). */
export interface PredictRequest {
  tasks: Task[];
  project?: string | number | null;
  label_config?: string | null;
  params?: ({ login?: string | null; password?: string | null; context?: InteractiveContext | null } & Record<string, unknown>) | null;
  [key: string]: unknown;
}

/** The Label Studio project object inside webhook payloads (ProjectWebhookSerializer). */
export interface WebhookProject {
  id: number | string;
  label_config: string | null;
  title?: string;
  model_version?: string;
  [key: string]: unknown;
}

/** The webhook body without `action`, as `fit` receives it (§4.5, §5.6). */
export interface WebhookData {
  project?: WebhookProject;
  annotation?: Annotation | Annotation[];
  annotations?: Array<{ id: number }>;
  task?: Task | Task[];
  tasks?: Task[];
  [key: string]: unknown;
}

/** `POST /webhook` body. */
export interface WebhookRequest extends WebhookData {
  action: string;
}

/** The four events the Python SDK passes to `fit` (§4.5); any other answers 200 "Unknown event". */
export const TRAIN_EVENTS = ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATION_DELETED', 'START_TRAINING'] as const;
/** One of {@link TRAIN_EVENTS}: the events the Python SDK passes to `fit`. */
export type TrainEvent = (typeof TRAIN_EVENTS)[number];

/** Every action Label Studio's webhook system or `MLApi.train` sends (§5.6). */
export type WebhookEvent =
  | TrainEvent
  | 'ANNOTATIONS_CREATED'
  | 'ANNOTATIONS_DELETED'
  | 'TASKS_CREATED'
  | 'TASKS_DELETED'
  | 'PROJECT_UPDATED'
  | 'LABEL_LINK_CREATED'
  | 'LABEL_LINK_UPDATED'
  | 'LABEL_LINK_DELETED'
  | (string & {});


/** Response bodies. */
export interface HealthResponse {
  model_class: string;
  status: 'UP';
}
/** The body of a `/setup` answer. */
export interface SetupResponse {
  model_version: string;
}
/** The body of a `/predict` answer: one entry per task, in task order. */
export interface PredictResponse {
  results: unknown[];
}
/** The JSON body of every 4xx/5xx answer: `status` and a `detail` naming what was wrong. */
export interface ErrorResponse {
  status: number;
  detail: string;
  request?: Record<string, string>;
  result?: { traceback: string };
  errors?: Array<{ field: string; message: string }>;
  /** The stable `code` of an `LsmlError` (e.g. `label_config_mismatch`). */
  code?: string;
}
