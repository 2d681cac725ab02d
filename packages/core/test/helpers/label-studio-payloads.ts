// Label-Studio-shaped request bodies for tests: what LS's webhook system and MLApi send.
export const CHOICES_CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/><Choice value="FAIL"/></Choices></View>';

export function projectObject(id: number, labelConfig = CHOICES_CONFIG) {
  return {
    id,
    title: `Project ${id}`,
    description: '',
    label_config: labelConfig,
    expert_instruction: '',
    show_instruction: false,
    created_at: '2024-05-01T09:00:00.000000Z',
    updated_at: '2024-05-01T09:00:00.000000Z',
    model_version: '',
    created_by: 1,
    organization: 1,
    task_data_login: null,
    task_data_password: null,
    task_number: 10,
    finished_task_number: 1,
    total_predictions_number: 0,
    total_annotations_number: 1,
    num_tasks_with_annotations: 1,
    useful_annotation_number: 1,
    ground_truth_number: 0,
    skipped_annotations_number: 0,
  };
}

export function task(id: number, text: string, project = 7) {
  return {
    id,
    data: { text },
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
    project,
    updated_by: null,
    file_upload: 3,
    comment_authors: [],
    annotations: [],
    predictions: [],
  };
}

export function annotationCreated(projectId: number, annotationId: number, choice: string, action = 'ANNOTATION_CREATED') {
  return {
    action,
    annotation: {
      id: annotationId,
      result: [{ id: `r${annotationId}`, from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] }, origin: 'manual' }],
      task: annotationId,
      project: projectId,
      completed_by: 1,
      was_cancelled: false,
      ground_truth: false,
      created_at: '2024-05-01T10:05:00.000000Z',
      updated_at: '2024-05-01T10:05:00.000000Z',
      lead_time: 3.2,
      updated_by: 1,
      parent_prediction: null,
      parent_annotation: null,
      last_action: null,
    },
    task: task(annotationId, `text ${annotationId}`, projectId),
    project: projectObject(projectId),
  };
}

export function startTraining(projectId: number) {
  return { action: 'START_TRAINING', project: projectObject(projectId) };
}

export const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function pollJob(url: string, job: string, until: (s: { job_status: string }) => boolean, timeoutMs = 20_000) {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await postJson(`${url}/job_status`, { job });
    const body = (await res.json()) as { job_status: string; progress: number; error: string | null; model_version: string | null };
    if (seen.at(-1) !== body.job_status) seen.push(body.job_status);
    if (until(body)) return { body, seen };
    if (Date.now() > deadline) throw new Error(`job ${job} stuck in ${body.job_status}: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
