// Label Studio's server side of the loop, as far as an ML backend can see it: the requests it sends to
// /setup, /predict (batch and interactive), /webhook and /job_status, with bodies shaped like the
// ones Label Studio sends (packages/core/test/protocol/PROTOCOL.md §4, §5.5, §5.6), and the predictions
// it stores and hands to the editor.

// The request bodies come from the shared Label Studio builders (`@lsml/core/testing`).
import { annotationWebhook, lsProject, predictRequest, projectUid, setupRequest, startTrainingWebhook, type LsProject, type LsTask } from '@lsml/core/testing';

/** A prediction as Label Studio stores it and gives it to the editor. */
export interface StoredPrediction {
  id: number;
  model_version: string;
  score: number | null;
  result: ResultItem[];
  task: number;
  project: number;
  created_ago: string;
  created_at: string;
  updated_at: string;
}

export interface ResultItem {
  id?: string;
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  score?: number;
  origin?: string;
  [key: string]: unknown;
}

/** What Label Studio's front end posts when the annotator presses Submit (LSFWrapper.prepareData). */
export interface SubmittedAnnotation {
  lead_time: number;
  result: ResultItem[];
  draft_id: number | null | undefined;
  parent_prediction: number | null;
  parent_annotation: number | null;
}

export interface BackendPrediction {
  result: ResultItem[];
  score?: number;
  model_version?: string;
  [key: string]: unknown;
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

async function post<T>(url: string, body: unknown): Promise<JsonResponse<T>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed as T };
}

/** One Label Studio project connected to one ML backend. */
export class LabelStudioProject {
  readonly user = { id: 1, username: 'annotator', firstName: 'Ann', lastName: 'Otator', email: 'annotator@localhost' };
  private nextPredictionId = 1;
  private nextAnnotationId = 1;
  private annotations = 0;

  constructor(
    readonly backendUrl: string,
    readonly id: number,
    readonly labelConfig: string,
    readonly extraParams: Record<string, unknown> | null = null,
  ) {}

  /** `project` as Label Studio sends it to /setup and /predict: "<id>.<created_at epoch>". */
  get projectRef(): string {
    return projectUid(this.id);
  }

  /** ProjectWebhookSerializer: every project column plus the counters (§5.6). */
  webhookProject(): LsProject {
    return lsProject(this.id, this.labelConfig, {
      title: `e2e project ${this.id}`,
      created_by: this.user.id,
      num_tasks_with_annotations: this.annotations,
      useful_annotation_number: this.annotations,
      total_annotations_number: this.annotations,
      total_predictions_number: this.nextPredictionId - 1,
      finished_task_number: this.annotations,
    });
  }

  /** Connect the model (MLApi.setup). */
  setup(): Promise<JsonResponse<{ model_version?: string }>> {
    return post(`${this.backendUrl}/setup`, setupRequest(this.id, this.labelConfig, { accessToken: 'e2e-token', extraParams: this.extraParams }));
  }

  /** Batch pre-annotation (MLApi._prep_prediction_req with context null). */
  predictRaw(tasks: LsTask[], context: unknown = null): Promise<JsonResponse<{ results?: BackendPrediction[] }>> {
    return post(`${this.backendUrl}/predict`, predictRequest(tasks, this.id, this.labelConfig, context));
  }

  /** Ask for predictions and store them as Label Studio does, one per task, with their ids. */
  async predict(tasks: LsTask[]): Promise<{ response: JsonResponse<{ results?: BackendPrediction[] }>; stored: StoredPrediction[] }> {
    const response = await this.predictRaw(tasks);
    if (response.status !== 200 || !Array.isArray(response.body.results)) {
      throw new Error(`/predict answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    const results = response.body.results;
    const stored: StoredPrediction[] = [];
    results.forEach((p, i) => {
      const task = tasks[i];
      if (!task || !Array.isArray(p.result)) return;
      stored.push({
        id: this.nextPredictionId++,
        model_version: String(p.model_version ?? ''),
        score: typeof p.score === 'number' ? p.score : null,
        result: p.result,
        task: task.id,
        project: this.id,
        created_ago: '0 minutes',
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      });
    });
    return { response, stored };
  }

  /**
   * POST /api/ml/{id}/interactive-annotating: the task (with drafts, predictions, annotations) and the
   * front end's context go to /predict; the front end gets `{data: results[0]}` or `{errors: [...]}`.
   */
  async interactive(task: LsTask, context: unknown): Promise<{ data?: BackendPrediction; errors?: string[] }> {
    const response = await this.predictRaw([task], context);
    const results = response.body.results;
    if (response.status !== 200 || !Array.isArray(results) || results.length === 0) {
      return { errors: [`ML backend answered ${response.status}: ${JSON.stringify(response.body)}`] };
    }
    return { data: results[0]! };
  }

  /**
   * Store a submitted annotation and send the ANNOTATION_CREATED webhook (send_payload on), as Label
   * Studio does after `POST /api/tasks/{id}/annotations`.
   */
  async annotationCreated(task: LsTask, submitted: SubmittedAnnotation) {
    const now = new Date().toISOString();
    const annotation = {
      id: this.nextAnnotationId++,
      result: submitted.result,
      created_username: `${this.user.email}, ${this.user.id}`,
      created_ago: '0 minutes',
      completed_by: this.user.id,
      was_cancelled: false,
      ground_truth: false,
      created_at: now,
      updated_at: now,
      draft_created_at: null,
      lead_time: submitted.lead_time,
      import_id: null,
      last_action: null,
      task: task.id,
      project: this.id,
      updated_by: this.user.id,
      parent_prediction: submitted.parent_prediction,
      parent_annotation: submitted.parent_annotation,
      last_created_by: null,
    };
    this.annotations += 1;
    const body = annotationWebhook(this.webhookProject(), task, annotation);
    return { annotation, response: await post<Record<string, unknown>>(`${this.backendUrl}/webhook`, body) };
  }

  /** "Start Training" in the model settings (MLApi.train, current Label Studio). */
  startTraining() {
    return post<Record<string, unknown>>(`${this.backendUrl}/webhook`, startTrainingWebhook(this.webhookProject()));
  }

  jobStatus(job: string) {
    return post<Record<string, unknown>>(`${this.backendUrl}/job_status`, { job });
  }

  /** Poll /job_status until the job leaves queued/started. */
  async waitForJob(job: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await this.jobStatus(job);
      if (status !== 200) throw new Error(`/job_status answered ${status}: ${JSON.stringify(body)}`);
      if (body.job_status !== 'queued' && body.job_status !== 'started') return body;
      if (Date.now() > deadline) throw new Error(`job ${job} still ${String(body.job_status)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
