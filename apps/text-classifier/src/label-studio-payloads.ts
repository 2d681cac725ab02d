// Request bodies shaped exactly like the ones Label Studio sends (tasks from the Data Manager, the
// webhook payloads with a ProjectWebhookSerializer `project`, START_TRAINING). Used by the demo and the
// tests to play Label Studio's side of the loop.

export interface ChoicesConfigNames {
  fromName: string;
  toName: string;
}

export function lsProject(id: number, labelConfig: string) {
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
    created_at: '2024-05-01T09:00:00.000000Z',
    updated_at: '2024-05-01T09:00:00.000000Z',
    min_annotations_to_start_training: 0,
    start_training_on_annotation_update: false,
    show_collab_predictions: true,
    num_tasks_with_annotations: 0,
    task_number: 0,
    useful_annotation_number: 0,
    ground_truth_number: 0,
    skipped_annotations_number: 0,
    total_annotations_number: 0,
    total_predictions_number: 0,
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
    finished_task_number: 0,
  };
}

/** A task as `/predict` receives it (and as the webhooks' `task` carries it). */
export function lsTask(id: number, data: Record<string, unknown>, projectId: number) {
  return {
    id,
    data,
    meta: {},
    created_at: '2024-05-01T10:00:00.000000Z',
    updated_at: '2024-05-01T10:00:00.000000Z',
    is_labeled: false,
    overlap: 1,
    inner_id: id,
    total_annotations: 0,
    cancelled_annotations: 0,
    total_predictions: 0,
    comment_count: 0,
    unresolved_comment_count: 0,
    last_comment_updated_at: null,
    project: projectId,
    updated_by: null,
    file_upload: 1,
    comment_authors: [],
    annotations: [],
    drafts: [],
    predictions: [],
  };
}

/** The annotation object of ANNOTATION_CREATED / ANNOTATION_UPDATED (and of the API's task list). */
export function lsAnnotation(id: number, taskId: number, projectId: number, names: ChoicesConfigNames, choice: string) {
  return {
    id,
    result: [{ id: `r${id}`, from_name: names.fromName, to_name: names.toName, type: 'choices', value: { choices: [choice] }, origin: 'manual' }],
    task: taskId,
    project: projectId,
    completed_by: 1,
    was_cancelled: false,
    ground_truth: false,
    created_at: '2024-05-01T10:05:00.000000Z',
    updated_at: '2024-05-01T10:05:00.000000Z',
    draft_created_at: null,
    lead_time: 3.2,
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

/** The webhook Label Studio sends when an annotator submits (or, with `action`, updates) a label. */
export function annotationWebhook(
  project: ReturnType<typeof lsProject>,
  task: { id: number; data: Record<string, unknown> },
  annotationId: number,
  names: ChoicesConfigNames,
  choice: string,
  action: 'ANNOTATION_CREATED' | 'ANNOTATION_UPDATED' = 'ANNOTATION_CREATED',
) {
  return {
    action,
    annotation: lsAnnotation(annotationId, task.id, project.id, names, choice),
    task: { ...lsTask(task.id, task.data, project.id), is_labeled: true, total_annotations: 1 },
    project,
  };
}

/** What "Start Training" (Settings → Model) sends: only the project. */
export function startTrainingWebhook(project: ReturnType<typeof lsProject>) {
  return { action: 'START_TRAINING', project };
}
