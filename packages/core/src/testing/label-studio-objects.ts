// The objects Label Studio really sends to an ML backend, as one set of builders for every test in the
// repository: tasks as TaskSimpleSerializer writes them, annotations and the project as the webhook
// system serialises them (ProjectWebhookSerializer), and the bodies of /setup, /predict (batch and
// interactive) and /webhook. PROTOCOL.md §4.3–§5.7. Plain data, no I/O: importing this loads nothing.
import type { Task } from '../protocol/types.js';

/** Label Studio's `created_at` for the builders' projects; `/setup` and `/predict` send `"<id>.<created_at seconds>"`. */
export const KIT_PROJECT_CREATED_AT = '2024-05-01T09:00:00.000000Z';

/** `"<project.id>.<int(project.created_at.timestamp())>"`, the `project` string of `/setup` and `/predict`. */
export function projectUid(projectId: number): string {
  return `${projectId}.${Math.floor(Date.parse(KIT_PROJECT_CREATED_AT) / 1000)}`;
}

/** The project object inside webhook payloads (ProjectWebhookSerializer): every Project column plus the counters. */
export interface LsProject {
  id: number;
  label_config: string;
  [column: string]: unknown;
}

/**
 * The project object inside webhook payloads: every Project column plus the counters. `extra`
 * overrides columns (e.g. the counters, or `title`).
 *
 * ```ts
 * const project = lsProject(7, '<View>...</View>', { total_annotations_number: 3 });
 * ```
 */
export function lsProject(id: number, labelConfig: string, extra: Record<string, unknown> = {}): LsProject {
  return {
    id,
    title: `Project ${id}`,
    description: '',
    label_config: labelConfig,
    expert_instruction: '',
    show_instruction: false,
    show_skip_button: true,
    enable_empty_annotation: true,
    show_annotation_history: false,
    organization: 1,
    color: '#FFFFFF',
    maximum_annotations: 1,
    is_published: false,
    model_version: '',
    is_draft: false,
    created_by: 1,
    created_at: KIT_PROJECT_CREATED_AT,
    updated_at: KIT_PROJECT_CREATED_AT,
    min_annotations_to_start_training: 0,
    start_training_on_annotation_update: false,
    show_collab_predictions: true,
    sampling: 'Sequential sampling',
    show_ground_truth_first: false,
    show_overlap_first: false,
    overlap_cohort_percentage: 100,
    task_data_login: null,
    task_data_password: null,
    control_weights: {},
    evaluate_predictions_automatically: false,
    skip_queue: 'REQUEUE_FOR_OTHERS',
    reveal_preannotations_interactively: false,
    pinned_at: null,
    task_number: 0,
    finished_task_number: 0,
    total_predictions_number: 0,
    total_annotations_number: 0,
    num_tasks_with_annotations: 0,
    useful_annotation_number: 0,
    ground_truth_number: 0,
    skipped_annotations_number: 0,
    ...extra,
  };
}

/** Options of {@link lsTask}. */
export interface LsTaskOptions {
  /** The interactive export's shape (`/predict` with a context): adds `drafts`. */
  interactive?: boolean;
  /** The task's annotations (objects or ids); sets `is_labeled` and `total_annotations`. */
  annotations?: unknown[];
}

/** A task as {@link lsTask} builds it: a core `Task` whose `id` is always set. */
export type LsTask = Task & { id: number; data: Record<string, unknown> };

/**
 * A task as `/predict` receives it for batch prediction (TaskSimpleSerializer: every Task column plus
 * `annotations` and `predictions`), and as the webhooks' `task` carries it. `interactive: true` gives
 * the interactive export's shape (with `drafts`).
 *
 * ```ts
 * const tasks = ['good', 'bad'].map((text, i) => lsTask(i + 1, { text }, 7));
 * ```
 */
export function lsTask(id: number, data: Record<string, unknown>, projectId: number, options: LsTaskOptions = {}): LsTask {
  const annotations = options.annotations ?? [];
  return {
    id,
    data,
    meta: {},
    created_at: '2024-05-01T10:00:00.000000Z',
    updated_at: '2024-05-01T10:00:00.000000Z',
    is_labeled: annotations.length > 0,
    overlap: 1,
    inner_id: id,
    total_annotations: annotations.length,
    cancelled_annotations: 0,
    total_predictions: 0,
    comment_count: 0,
    unresolved_comment_count: 0,
    last_comment_updated_at: null,
    project: projectId,
    updated_by: null,
    file_upload: 1,
    comment_authors: [],
    annotations: annotations as Task['annotations'],
    predictions: [],
    ...(options.interactive ? { drafts: [] } : {}),
  };
}

/** An annotation as the webhook system serialises it (`task` and `project` are ids). */
export interface LsAnnotation {
  id: number;
  result: unknown[];
  task: number;
  project: number;
  [column: string]: unknown;
}

/**
 * An annotation as the webhook system serialises it (`task` and `project` are ids). Result items
 * without an `id` get one (`a<annotation>r<index>`) and `origin: 'manual'`, as the editor writes them.
 */
export function lsAnnotation(id: number, taskId: number, projectId: number, result: unknown[]): LsAnnotation {
  return {
    id,
    result: result.map((r, i) => (typeof r === 'object' && r !== null && !('id' in r) ? { id: `a${id}r${i}`, origin: 'manual', ...r } : r)),
    task: taskId,
    project: projectId,
    completed_by: 1,
    was_cancelled: false,
    ground_truth: false,
    created_at: '2024-05-01T10:05:00.000000Z',
    updated_at: '2024-05-01T10:05:00.000000Z',
    draft_created_at: null,
    lead_time: 4.2,
    import_id: null,
    last_action: null,
    bulk_created: false,
    updated_by: 1,
    parent_prediction: null,
    parent_annotation: null,
    last_created_by: null,
    unique_id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
  };
}

/**
 * One Choices result item (what the editor writes for a picked choice), for annotations and contexts.
 *
 * ```ts
 * lsAnnotation(1, 1, 7, [choicesResult('sentiment', 'text', 'Positive')]);
 * ```
 */
export function choicesResult(fromName: string, toName: string, ...choices: string[]): { from_name: string; to_name: string; type: 'choices'; value: { choices: string[] } } {
  return { from_name: fromName, to_name: toName, type: 'choices', value: { choices } };
}

/** Webhook actions that carry an annotation. */
export type AnnotationAction = 'ANNOTATION_CREATED' | 'ANNOTATION_UPDATED' | 'ANNOTATIONS_CREATED';

/**
 * The webhook Label Studio sends when an annotator submits (ANNOTATION_CREATED) or updates a label:
 * the annotation, its task (labelled) and the project.
 *
 * ```ts
 * const body = annotationWebhook(lsProject(7, config), lsTask(1, { text: 'hi' }, 7), lsAnnotation(1, 1, 7, result));
 * ```
 */
export function annotationWebhook(
  project: LsProject,
  task: { id: number; data: Record<string, unknown> },
  annotation: LsAnnotation,
  action: AnnotationAction = 'ANNOTATION_CREATED',
): { action: AnnotationAction; annotation: LsAnnotation; task: LsTask; project: LsProject } {
  return {
    action,
    annotation,
    task: lsTask(task.id, task.data, project.id, { annotations: [annotation.id] }),
    project,
  };
}

/** What "Start Training" (Settings → Model) sends: only the project. */
export function startTrainingWebhook(project: LsProject): { action: 'START_TRAINING'; project: LsProject } {
  return { action: 'START_TRAINING', project };
}

/** Options of {@link setupRequest}. */
export interface SetupRequestOptions {
  /** The model's `extra_params` (Label Studio sends them as a JSON string, or null). */
  extraParams?: Record<string, unknown> | null;
  /** `hostname` (Label Studio's base URL). */
  hostname?: string;
  /** `access_token`. */
  accessToken?: string;
}

/** The body of `POST /setup` as MLApi.setup sends it (PROTOCOL.md §5.2). */
export function setupRequest(projectId: number, labelConfig: string, options: SetupRequestOptions = {}): Record<string, unknown> {
  return {
    project: projectUid(projectId),
    schema: labelConfig,
    hostname: options.hostname ?? 'http://localhost:8080',
    access_token: options.accessToken ?? 'test-token',
    extra_params: options.extraParams ? JSON.stringify(options.extraParams) : null,
    model_version: null,
  };
}

/**
 * The body of `POST /predict` as MLApi._prep_prediction_req sends it: batch pre-annotation with
 * `context` null, interactive pre-annotation with the editor's context (see {@link interactiveContext}).
 */
export function predictRequest(tasks: unknown[], projectId: number, labelConfig: string, context: unknown = null): Record<string, unknown> {
  return {
    tasks,
    project: projectUid(projectId),
    label_config: labelConfig,
    params: { login: null, password: null, context },
  };
}

/**
 * The `context` the editor sends with interactive pre-annotation: the annotator's regions so far
 * (a selection, a keypoint, a prompt typed into a TextArea), with the draft's ids.
 *
 * ```ts
 * interactiveContext([{ id: 'sel1', from_name: 'label', to_name: 'text', type: 'labels', value: { start: 0, end: 5, text: 'Hello', labels: ['ORG'] } }]);
 * ```
 */
export function interactiveContext(result: unknown[], ids: { annotationId?: number | null; draftId?: number; userId?: number } = {}): {
  annotation_id: number | null;
  draft_id: number;
  user_id: number;
  result: unknown[];
} {
  return {
    annotation_id: ids.annotationId ?? null,
    draft_id: ids.draftId ?? 0,
    user_id: ids.userId ?? 1,
    result: result.map((r) => (typeof r === 'object' && r !== null && !('origin' in r) ? { ...r, origin: 'manual' } : r)),
  };
}

/**
 * `tasks` as given to a test: plain `data` objects (`{ text: '...' }`) or (partial) tasks with a `data`
 * key. Returns full Label Studio tasks with ids 1..n unless a task brings its own id.
 */
export function toLsTasks(tasks: ReadonlyArray<Record<string, unknown>>, projectId: number, options: { interactive?: boolean } = {}): LsTask[] {
  return tasks.map((t, i) => {
    if (isTaskLike(t)) {
      const id = typeof t.id === 'number' ? t.id : i + 1;
      return { ...lsTask(id, t.data, projectId, options), ...t, id, project: projectId } as LsTask;
    }
    return lsTask(i + 1, t, projectId, options);
  });
}

/** A task-shaped object: has a `data` object (anything else counts as the task's data itself). */
export function isTaskLike(t: unknown): t is Task & { data: Record<string, unknown> } {
  return typeof t === 'object' && t !== null && typeof (t as { data?: unknown }).data === 'object' && (t as { data?: unknown }).data !== null && !Array.isArray((t as { data?: unknown }).data);
}
