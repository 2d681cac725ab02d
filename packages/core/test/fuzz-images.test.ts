// Hostile image files through a real server: `backend({ runtime: BrightBoxDetector, head:
// rectanglesHead() })` started with @lsml/testing's startBackend. fast-check generates broken files
// (truncated real PNG/JPEG at random offsets, wrong magic bytes, random bytes, valid PNG headers that
// declare huge dimensions, empty files, GIF/WebP headers over garbage, SVG with entities), written to a
// temp dir and referenced by local path or by URL on a local node:http server that also answers 404,
// redirect loops and slow bodies. Batches mix good and bad: every answer is 200 with one entry per task,
// good images predicted, bad ones [] with a warning naming the task; never a 5xx, and the server keeps
// serving. ~400 generated cases (FUZZ_IMAGE_RUNS batches × up to 8 tasks). Then generated label
// configs on /setup and /predict of the rectangles, keypoints and brush heads: 200 or a 422 JSON error
// saying what is wrong, never a 5xx.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { startBackend, type RunningBackend } from '@lsml/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backend } from '../src/contract/backend.js';
import { brushHead } from '../src/heads/brush-head.js';
import { BrightBoxDetector, BrightMaskSegmenter, ColorKeypointDetector } from '../src/heads/image-runtimes.test-helper.js';
import { keypointsHead } from '../src/heads/keypoints-head.js';
import { rectanglesHead } from '../src/heads/rectangles-head.js';
import { LabelInterface } from '../src/label-config/label-interface.js';
import { validatePrediction } from '../src/label-config/validate-prediction.js';
import { createLogger } from '../src/logger.js';
import type { PredictionValue } from '../src/protocol/types.js';

const RUNS = Number(process.env.FUZZ_IMAGE_RUNS ?? 90);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-fuzz-img-'));
const CONFIG = '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="bright"/></RectangleLabels></View>';
const lines: Array<Record<string, unknown>> = [];
let files: http.Server;
let base = '';
let running: RunningBackend;
let png: Buffer;
let jpeg: Buffer;

beforeAll(async () => {
  // A white square on black: the detector finds one `bright` box in every good image.
  const white = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ffffff' } }).png().toBuffer();
  const scene = sharp({ create: { width: 48, height: 32, channels: 3, background: '#000000' } }).composite([{ input: white, left: 8, top: 8 }]);
  png = await scene.clone().png().toBuffer();
  jpeg = await scene.clone().jpeg().toBuffer();
  fs.writeFileSync(path.join(dir, 'good.png'), png);
  fs.writeFileSync(path.join(dir, 'good.jpg'), jpeg);
  files = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/loop')) return void res.writeHead(302, { location: url }).end();
    if (url.startsWith('/slow/')) {
      // Headers at once, then a body that trickles and stops half way (the client must give up or fail).
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
      res.write(png.subarray(0, 20));
      const t = setTimeout(() => res.destroy(), 300);
      res.on('close', () => clearTimeout(t));
      return;
    }
    const file = path.join(dir, path.basename(url));
    if (!fs.existsSync(file)) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const Model = backend({ runtime: new BrightBoxDetector({ width: 48, height: 32, fit: 'fill' }), head: rectanglesHead({ media: { cacheDir: path.join(dir, 'cache'), env: {} } }) }) as unknown as Parameters<typeof startBackend>[0];
  running = await startBackend(Model, { server: { logger: createLogger({ level: 'debug', destination }) } });
});
afterAll(async () => {
  await running?.stop();
  await new Promise<void>((r) => files.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the PNG whose IHDR declares `w` × `h`, CRC fixed so only the size is hostile. */
function hugePng(w: number, h: number): Buffer {
  const b = Buffer.from(png);
  b.writeUInt32BE(w >>> 0, 16);
  b.writeUInt32BE(h >>> 0, 20);
  b.writeUInt32BE(zlib.crc32(b.subarray(12, 29)), 29);
  return b;
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
/** Hostile file contents. */
const hostile: () => fc.Arbitrary<Buffer> = () =>
  fc.oneof(
    fc.integer({ min: 0, max: 1 }).chain((which) => {
      const src = which === 0 ? png : jpeg;
      return fc.integer({ min: 0, max: src.length - 1 }).map((n) => src.subarray(0, n));
    }),
    fc.tuple(fc.integer({ min: 0, max: 1 }), bytes(4)).map(([which, magic]) => {
      const b = Buffer.from(which === 0 ? png : jpeg);
      Buffer.from(magic.length ? magic : [0]).copy(b, 0);
      b[0] = b[0] === (which === 0 ? 0x89 : 0xff) ? 0 : b[0]!; // wrong magic for sure
      return b;
    }),
    bytes(2048),
    fc.constantFrom<[number, number]>([20000, 20000], [2 ** 31, 2 ** 31], [2 ** 31 - 1, 1], [1, 2 ** 31 - 1], [0, 0], [0, 16], [2 ** 32 - 1, 2 ** 32 - 1], [65536, 65536]).map(([w, h]) => hugePng(w, h)),
    fc.constant(Buffer.alloc(0)),
    bytes(512).map((g) => Buffer.concat([Buffer.from('GIF89a'), Buffer.from([0xff, 0xff, 0xff, 0xff]), g])),
    bytes(512).map((g) => {
      const head = Buffer.from('RIFF\0\0\0\0WEBPVP8 ');
      head.writeUInt32LE(g.length + 12, 4);
      return Buffer.concat([head, g]);
    }),
    fc.integer({ min: 1, max: 10 }).map((d) =>
      Buffer.from(
        `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e0 "lol">${Array.from({ length: d }, (_, i) => `<!ENTITY e${i + 1} "${`&e${i};`.repeat(10)}">`).join('')}<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><text>&e${d};&x;</text></svg>`,
      ),
    ),
  );

type Case = { kind: 'good'; ref: string } | { kind: 'bad'; ref: string } | { kind: 'bad-raw'; data: Record<string, unknown> };
let n = 0;
const write = (b: Buffer, ext: string) => {
  const name = `f${n++}.${ext}`;
  fs.writeFileSync(path.join(dir, name), b);
  return name;
};
const taskCase: fc.Arbitrary<Case> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<Case>({ kind: 'good', ref: 'good.png' }, { kind: 'good', ref: 'good.jpg' }, { kind: 'good', ref: 'http:good.png' }, { kind: 'good', ref: 'http:good.jpg' }) },
  { weight: 5, arbitrary: fc.tuple(hostile(), fc.constantFrom('png', 'jpg', 'gif', 'webp', 'svg', 'bin'), fc.boolean()).map(([b, ext, http]): Case => ({ kind: 'bad', ref: `${http ? 'http:' : ''}${write(b, ext)}` })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Case>(
      { kind: 'bad', ref: 'http:missing.png' },
      { kind: 'bad', ref: 'http-raw:/loop/a.png' },
      { kind: 'bad', ref: 'http-raw:/slow/a.png' },
      { kind: 'bad', ref: 'http-raw://127.0.0.1:1/x.png' },
      { kind: 'bad', ref: 'missing-file.png' },
      { kind: 'bad-raw', data: { image: 42 } },
      { kind: 'bad-raw', data: { image: null } },
      { kind: 'bad-raw', data: { image: '' } },
      { kind: 'bad-raw', data: { image: ['a.png'] } },
      { kind: 'bad-raw', data: { picture: 'x.png' } },
      { kind: 'bad-raw', data: { image: 'file:///etc/passwd' } },
      { kind: 'bad-raw', data: { image: 'data:image/png;base64,iVBORw0KGgo=' } },
    ),
  },
);

function dataOf(c: Case): Record<string, unknown> {
  if (c.kind === 'bad-raw') return c.data;
  if (c.ref.startsWith('http-raw:')) {
    const rest = c.ref.slice('http-raw:'.length);
    return { image: rest.startsWith('//') ? `http:${rest}` : `${base}${rest}` };
  }
  if (c.ref.startsWith('http:')) return { image: `${base}/${c.ref.slice(5)}` };
  return { image: path.join(dir, c.ref) };
}

const post = async (route: string, body: unknown) => {
  const res = await fetch(`${running.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { results?: unknown[] } };
};

it(`${RUNS} batches of good and hostile images: 200, one entry per task, good predicted, bad [] with a warning`, async () => {
  expect((await post('/setup', { project: '3.1', schema: CONFIG })).status).toBe(200);
  const li = new LabelInterface(CONFIG);
  let taskId = 0;
  let cases = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(taskCase, { minLength: 1, maxLength: 8 }), async (batch) => {
      const tasks = batch.map((c) => ({ id: ++taskId, data: dataOf(c) }));
      cases += tasks.length;
      const from = lines.length;
      const { status, body } = await post('/predict', { project: '3.1', label_config: CONFIG, tasks });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.results).toHaveLength(tasks.length);
      const warnings = lines.slice(from).filter((l) => l.level === 40 && typeof l.task === 'number');
      // Each warning names its task and the field the image was read from.
      for (const w of warnings) expect(w.field, JSON.stringify(w)).toBe('image');
      const warned = new Set(warnings.map((l) => l.task as number));
      batch.forEach((c, i) => {
        const result = body.results![i] as { result?: Array<{ value: Record<string, unknown> }> } | [];
        const id = tasks[i]!.id;
        if (c.kind === 'good') {
          expect(warned.has(id), `good task ${id} warned`).toBe(false);
          expect((result as { result: unknown[] }).result.length, `good task ${id}`).toBeGreaterThan(0);
          expect(validatePrediction(li, result as PredictionValue, { rejectNegativeCoordinates: true }).ok).toBe(true);
        } else if (Array.isArray(result) && result.length === 0) {
          expect(warned.has(id), `bad task ${id} (${JSON.stringify(c)}) got [] but no warning`).toBe(true);
          refused++;
        } else {
          // A hostile file that still decodes (a PNG cut only in its trailing IEND chunk, whose pixel data
          // is whole): a prediction is fine as long as it is valid.
          expect(validatePrediction(li, result as PredictionValue, { rejectNegativeCoordinates: true }).ok, `task ${id} ${JSON.stringify(c)}`).toBe(true);
        }
      });
    }),
    { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 17), endOnFailure: true },
  );
  expect(cases).toBeGreaterThan(RUNS);
  // Most hostile files are refused (a few, such as a PNG missing only its IEND chunk, still decode).
  expect(refused).toBeGreaterThan(cases / 3);
  if (process.env.FUZZ_VERBOSE) console.log({ cases, refused });
  // Still serving afterwards.
  expect((await fetch(`${running.url}/health`)).status).toBe(200);
  const after = await post('/predict', { project: '3.1', label_config: CONFIG, tasks: [{ id: 0, data: { image: path.join(dir, 'good.png') } }] });
  expect(after.status).toBe(200);
  expect((after.body.results![0] as { result: unknown[] }).result.length).toBeGreaterThan(0);
}, 240_000);

// --- label configs against the image heads ---------------------------------------------------------
const name = fc.oneof(fc.constantFrom('img', 'image', 'box', 'kp', 'seg', 'text', ''), fc.string({ maxLength: 6 }));
const attr = (k: string, v: fc.Arbitrary<string>) => fc.option(v.map((x) => ` ${k}="${x.replace(/[<&"]/g, '_')}"`), { nil: '' });
const leaf = fc.tuple(fc.constantFrom('Image', 'Text', 'Unknown'), attr('name', name), attr('value', fc.constantFrom('$image', '$text', '$x', 'plain', ''))).map(([t, n, v]) => `<${t}${n}${v}/>`);
const options = fc
  .array(fc.tuple(fc.constantFrom('Label', 'Choice', 'Foo'), fc.oneof(fc.constantFrom('bright', 'ghost', 'nose', 'person', 'left_eye', ''), fc.string({ maxLength: 5 }))), { maxLength: 4 })
  .map((os) => os.map(([t, v]) => `<${t} value="${v.replace(/[<&"]/g, '_')}"/>`).join(''));
const control = fc
  .tuple(
    fc.constantFrom('RectangleLabels', 'KeyPointLabels', 'BrushLabels', 'PolygonLabels', 'Choices', 'Labels', 'TextArea', 'Mystery'),
    attr('name', name),
    attr('toName', fc.oneof(name, fc.constant('img,text'))),
    attr('predicted_values', fc.constantFrom('bright', 'bright,nose', 'nope', '')),
    options,
  )
  .map(([t, n, to, pv, opts]) => `<${t}${n}${to}${pv}>${opts}</${t}>`);
const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, control, fc.array(tie('node'), { maxLength: 4 }).map((kids) => `<View>${kids.join('')}</View>`)),
})).node;
const labelConfig = fc.oneof(
  fc.array(node, { maxLength: 6 }).map((kids) => `<View>${kids.join('')}</View>`),
  fc
    .tuple(fc.constantFrom('<Image name="img" value="$image"/>', '<Image name="img" value="$image"/><Image name="img" value="$other"/>', '<Text name="img" value="$image"/>', ''), fc.array(control, { minLength: 1, maxLength: 3 }))
    .map(([o, cs]) => `<View>${o}${cs.join('')}</View>`),
  fc.constant(CONFIG),
  fc.string({ maxLength: 100 }),
);

it('generated label configs against the rectangles, keypoints and brush heads: 200 or 422 naming the problem, never a 5xx', async () => {
  const media = { cacheDir: path.join(dir, 'cache'), env: {} };
  const started = await Promise.all(
    [backend({ runtime: new BrightBoxDetector(), head: rectanglesHead({ media }) }), backend({ runtime: new ColorKeypointDetector(undefined, true), head: keypointsHead({ media }) }), backend({ runtime: new BrightMaskSegmenter(), head: brushHead({ media }) })].map((M) =>
      startBackend(M as unknown as Parameters<typeof startBackend>[0], { server: { logger: createLogger({ level: 'silent' }) } }),
    ),
  );
  let ok = 0;
  let refused = 0;
  try {
    await fc.assert(
      fc.asyncProperty(labelConfig, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 30 }), async (config, which, project) => {
        const target = started[which]!;
        const call = async (route: string, body: unknown) => {
          const res = await fetch(`${target.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          const text = await res.text();
          return { status: res.status, text, body: JSON.parse(text) as { detail?: unknown; results?: unknown[] } };
        };
        for (const [route, body] of [
          ['/setup', { project: `${project}.1`, schema: config }],
          ['/predict', { project: `${project}.1`, label_config: config, tasks: [{ id: 1, data: { image: path.join(dir, 'good.png'), text: 'x' } }] }],
        ] as const) {
          const r = await call(route, body);
          if (r.status === 200) {
            ok++;
            if (route === '/predict') {
              expect(r.body.results, r.text).toHaveLength(1);
              const p = r.body.results![0];
              if (!(Array.isArray(p) && p.length === 0)) expect(validatePrediction(new LabelInterface(config), p as PredictionValue).errors, `${config} → ${r.text}`).toEqual([]);
            }
          } else {
            refused++;
            expect(r.status, `${route} ${config} → ${r.text}`).toBe(422);
            expect(r.body.detail, r.text).toMatch(/\w+Error\w*: ./);
          }
        }
      }),
      { numRuns: Number(process.env.FUZZ_CONFIG_RUNS ?? 150), seed: Number(process.env.FUZZ_SEED ?? 17), endOnFailure: true },
    );
  } finally {
    await Promise.all(started.map((b) => b.stop()));
  }
  expect(ok).toBeGreaterThan(10);
  expect(refused).toBeGreaterThan(10);
}, 120_000);
