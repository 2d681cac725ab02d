// The objects Label Studio really sends: tasks as TaskSimpleSerializer writes them, annotations and the
// project as the webhook system serialises them (ProjectWebhookSerializer). PROTOCOL.md §4.4, §5.6.
import type { Task } from '@lsml/core';

/** Label Studio's `created_at` for the kit's projects; `/setup` and `/predict` send `"<id>.<created_at seconds>"`. */
export const KIT_PROJECT_CREATED_AT = '2024-05-01T09:00:00.000000Z';

/** `"<project.id>.<int(project.created_at.timestamp())>"`, the `project` string of `/setup` and `/predict`. */
export function projectUid(projectId: number): string {
  return `${projectId}.${Math.floor(Date.parse(KIT_PROJECT_CREATED_AT) / 1000)}`;
}

/** The project object inside webhook payloads: every Project column plus the counters. */
export function lsProject(id: number, labelConfig: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
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

/**
 * A task as `/predict` receives it for batch prediction (TaskSimpleSerializer: every Task column plus
 * `annotations` and `predictions`). `interactive: true` gives the interactive export's shape (with
 * `drafts`).
 */
export function lsTask(id: number, data: Record<string, unknown>, projectId: number, options: { interactive?: boolean; annotations?: unknown[] } = {}): Task {
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
export function lsAnnotation(id: number, taskId: number, projectId: number, result: unknown[]): Record<string, unknown> {
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
 * `tasks` as given to the kit: plain `data` objects (`{ text: '...' }`) or (partial) tasks with a `data`
 * key. Returns full Label Studio tasks with ids 1..n unless a task brings its own id.
 */
export function toLsTasks(tasks: ReadonlyArray<Record<string, unknown>>, projectId: number, options: { interactive?: boolean } = {}): Task[] {
  return tasks.map((t, i) => {
    if (isTaskLike(t)) {
      const id = typeof t.id === 'number' ? t.id : i + 1;
      return { ...lsTask(id, t.data as Record<string, unknown>, projectId, options), ...t, id, project: projectId };
    }
    return lsTask(i + 1, t, projectId, options);
  });
}

/** A task-shaped object: has a `data` object (anything else counts as the task's data itself). */
export function isTaskLike(t: unknown): t is Task & { data: Record<string, unknown> } {
  return typeof t === 'object' && t !== null && typeof (t as { data?: unknown }).data === 'object' && (t as { data?: unknown }).data !== null && !Array.isArray((t as { data?: unknown }).data);
}
