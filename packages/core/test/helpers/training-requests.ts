// What the training tests send and poll: the label config, the webhook bodies (from the shared Label
// Studio builders of `@lsml/core/testing`) and JSON POST / job polling helpers.
import { annotationWebhook, choicesResult, lsAnnotation, lsProject, startTrainingWebhook, type AnnotationAction } from '@lsml/core/testing';

export const CHOICES_CONFIG =
  '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/><Choice value="FAIL"/></Choices></View>';

/**
 * ANNOTATION_CREATED (or `action`) for annotation `annotationId` on task `annotationId` of project
 * `projectId`, choosing `choice` in CHOICES_CONFIG: the shared Label Studio builders, composed.
 */
export function annotationCreated(projectId: number, annotationId: number, choice: string, action: AnnotationAction = 'ANNOTATION_CREATED') {
  const annotation = lsAnnotation(annotationId, annotationId, projectId, [choicesResult('sentiment', 'text', choice)]);
  return annotationWebhook(lsProject(projectId, CHOICES_CONFIG), { id: annotationId, data: { text: `text ${annotationId}` } }, annotation, action);
}

/** START_TRAINING for project `projectId` with CHOICES_CONFIG. */
export function startTraining(projectId: number) {
  return startTrainingWebhook(lsProject(projectId, CHOICES_CONFIG));
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
