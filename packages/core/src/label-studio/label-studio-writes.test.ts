import { afterEach, describe, expect, it } from 'vitest';
import { startLabelStudioStandIn, type LabelStudioStandIn } from '../testing/label-studio-stand-in.js';
import { LabelStudioApiError, LabelStudioClient, retryAfterMs, type PredictionWrite } from './label-studio-client.js';

// These tests run against a Label Studio stand-in (there is no Label Studio server on CI machines).

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

const standIns: LabelStudioStandIn[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});
async function standIn(options?: Parameters<typeof startLabelStudioStandIn>[0]) {
  const ls = await startLabelStudioStandIn(options);
  standIns.push(ls);
  return ls;
}
const pred = (task: number, version = 'v1'): PredictionWrite => ({
  task,
  result: [{ from_name: 'label', to_name: 'text', type: 'choices', value: { choices: ['A'] } }],
  score: 0.5,
  model_version: version,
});

describe('LabelStudioClient writes', () => {
  it('creates one prediction and imports many in bounded requests', async () => {
    const ls = await standIn();
    const ids = ls.addTasks(3, 25);
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token', maxImportItems: 10 });
    const one = await client.createPrediction(pred(ids[0]!));
    expect(one).toMatchObject({ task: ids[0], model_version: 'v1', score: 0.5 });
    expect(typeof one.id).toBe('number');
    const res = await client.importPredictions(3, ids.slice(1).map((id) => pred(id)));
    expect(res).toEqual({ created: 24 });
    expect(ls.requests.filter((r) => r === 'POST /api/projects/3/import/predictions')).toHaveLength(3);
    expect([...ls.predictionCounts(3, 'v1').values()].every((n) => n === 1)).toBe(true);
    // Byte bound: each item is ~150 bytes, so 400 bytes allows 2 per request.
    const small = new LabelStudioClient({ url: ls.url, apiKey: 'test-token', maxImportBytes: 400 });
    await small.importPredictions(3, ids.slice(0, 6).map((id) => pred(id, 'v2')));
    expect(ls.requests.filter((r) => r === 'POST /api/projects/3/import/predictions')).toHaveLength(6);
  });

  it('the stand-in serves a page as the JSON Label Studio sends, and a task whose data was replaced with its new data', async () => {
    const ls = await standIn();
    const ids = ls.addTasks(5, 3, (id) => ({ text: `task ${id}: "quoted"\nünïcode 😀`, n: id }));
    ls.tasks.get(ids[1]!)!.annotations.push({ id: 7, result: [], was_cancelled: false });
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    await client.importPredictions(5, [pred(ids[2]!)]);
    ls.tasks.get(ids[0]!)!.data = { text: 'replaced' };
    const get = async (query: string) => {
      const res = await fetch(`${ls.url}/api/tasks/?project=5&page=1&page_size=10&${query}`, { headers: { Authorization: 'Token test-token' } });
      return res.text();
    };
    const page = await get('fields=all');
    const parsed = JSON.parse(page) as { tasks: Array<Record<string, unknown>> };
    // The text is exactly what JSON.stringify makes of the tasks, in Label Studio's key order.
    expect(JSON.stringify(parsed)).toBe(page);
    expect(parsed.tasks.map((t) => Object.keys(t))).toEqual(ids.map(() => ['id', 'project', 'data', 'total_annotations', 'total_predictions', 'annotations', 'predictions']));
    expect(parsed.tasks.map((t) => t.data)).toEqual([{ text: 'replaced' }, { text: `task ${ids[1]}: "quoted"\nünïcode 😀`, n: ids[1] }, { text: `task ${ids[2]}: "quoted"\nünïcode 😀`, n: ids[2] }]);
    expect(parsed.tasks.map((t) => [t.total_annotations, t.total_predictions, (t.annotations as unknown[]).length, (t.predictions as unknown[]).length])).toEqual([
      [0, 0, 0, 0],
      [1, 0, 1, 0],
      [0, 1, 0, 1],
    ]);
    expect(JSON.parse(await get('fields=task_only')).tasks[0]).toEqual({ id: ids[0], project: 5, data: { text: 'replaced' }, total_annotations: 0, total_predictions: 0 });
  });

  it('lists tasks page by page with filters: missing version, unannotated, ids, view', async () => {
    const ls = await standIn();
    const ids = ls.addTasks(1, 30);
    ls.addTasks(2, 5);
    ls.tasks.get(ids[0]!)!.annotations.push({ id: 1, result: [], was_cancelled: false });
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token' });
    await client.importPredictions(1, ids.slice(0, 10).map((id) => pred(id)));
    const collect = async (opts: Parameters<LabelStudioClient['listTasks']>[1]) => {
      const out: number[] = [];
      for (let page = 1; ; page++) {
        const p = await client.listTasks(1, { ...opts, page, pageSize: 7 });
        out.push(...p.tasks.map((t) => t.id!));
        if (p.last) return out;
      }
    };
    expect(await collect({})).toEqual(ids);
    expect(await collect({ missingModelVersion: 'v1' })).toEqual(ids.slice(10));
    expect(await collect({ onlyUnannotated: true })).toEqual(ids.slice(1));
    expect(await collect({ ids: [ids[3]!, ids[20]!] })).toEqual([ids[3], ids[20]]);
    ls.views.set(9, { project: 1, taskIds: ids.slice(5, 15) });
    // A view's own selection applies; the missing-version filter is applied again client-side.
    expect(await collect({ view: 9, missingModelVersion: 'v1' })).toEqual(ids.slice(10, 15));
    const page = await client.listTasks(1, { page: 99, pageSize: 7 });
    expect(page).toMatchObject({ tasks: [], last: true });
  });

  it('retries 429 (honouring Retry-After) and 5xx on reads; POSTs only on 429', async () => {
    const ls = await standIn();
    const ids = ls.addTasks(1, 3);
    const client = new LabelStudioClient({ url: ls.url, apiKey: 'test-token', retryBaseMs: 1 });
    ls.faults.tooManyRequests = 2;
    ls.faults.retryAfterS = 0.2;
    const t0 = Date.now();
    expect((await client.listTasks(1)).tasks).toHaveLength(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    ls.faults.serverErrors = 2;
    expect((await client.listTasks(1)).tasks).toHaveLength(3);
    ls.faults.tooManyRequests = 1;
    ls.faults.retryAfterS = 0;
    expect(await client.importPredictions(1, [pred(ids[0]!)])).toEqual({ created: 1 });
    ls.faults.serverErrors = 1;
    await expect(client.importPredictions(1, [pred(ids[1]!)])).rejects.toMatchObject({ upstreamStatus: 503 });
    expect(ls.predictions).toHaveLength(1);
    const impatient = new LabelStudioClient({ url: ls.url, apiKey: 'test-token', retryBaseMs: 1, maxRetries: 1 });
    ls.faults.serverErrors = 5;
    await expect(impatient.listTasks(1)).rejects.toBeInstanceOf(LabelStudioApiError);
    ls.faults.serverErrors = 0;
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('writes with a Personal Access Token (refreshed once) and reports 401 and bad task ids', async () => {
    const access = jwt({ token_type: 'access', exp: Math.floor(Date.now() / 1000) + 3600 });
    const pat = jwt({ token_type: 'refresh', exp: Math.floor(Date.now() / 1000) + 86400 });
    const ls = await standIn({ personalAccessToken: pat, accessToken: access });
    const ids = ls.addTasks(1, 2);
    const client = new LabelStudioClient({ url: ls.url, apiKey: pat });
    await client.createPrediction(pred(ids[0]!));
    await client.importPredictions(1, [pred(ids[1]!)]);
    expect(ls.refreshes).toBe(1);
    await expect(new LabelStudioClient({ url: ls.url, apiKey: 'nope' }).createPrediction(pred(ids[0]!))).rejects.toMatchObject({ upstreamStatus: 401 });
    await expect(client.importPredictions(1, [pred(999)])).rejects.toThrow(/400/);
  });

  it('deletes a prediction (204) with the same auth and retries as reads; 404 reads as gone already', async () => {
    const access = jwt({ token_type: 'access', exp: Math.floor(Date.now() / 1000) + 3600 });
    const pat = jwt({ token_type: 'refresh', exp: Math.floor(Date.now() / 1000) + 86400 });
    const ls = await standIn({ personalAccessToken: pat, accessToken: access });
    const [task] = ls.addTasks(1, 1);
    const client = new LabelStudioClient({ url: ls.url, apiKey: pat, retryBaseMs: 1 });
    const [a, b] = [await client.createPrediction(pred(task!)), await client.createPrediction(pred(task!))];
    // Deleting twice leaves the same state, so a 5xx or 429 DELETE is retried like a read.
    ls.faults.serverErrors = 2;
    ls.faults.tooManyRequests = 1;
    expect(await client.deletePrediction(b.id)).toBe(true);
    expect(ls.predictionsOf(task!).map((p) => p.id)).toEqual([a.id]);
    expect(await client.deletePrediction(b.id)).toBe(false);
    expect(ls.refreshes).toBe(1);
    await expect(new LabelStudioClient({ url: ls.url, apiKey: 'nope' }).deletePrediction(a.id)).rejects.toMatchObject({ upstreamStatus: 401 });
    expect(ls.predictionsOf(task!)).toHaveLength(1);
  });
});
