/**
 * Hostile input: 10,000 generated bodies per route (FUZZ_RUNS to change) against a real `lsml start`
 * process — wrong types, huge strings, deep nesting, wrong content types, truncated JSON, random label
 * configs including entity bombs. Zero crashes, zero 5xx (none of these is a model error), and the
 * server still answers /health afterwards.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBackend, type SpawnedBackend } from './helpers/spawn-backend.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const fixture = fileURLToPath(new URL('./fixtures/echo.ts', import.meta.url));

let backend: SpawnedBackend;
beforeAll(async () => {
  backend = await spawnBackend(fixture, { args: ['--max-body-size', '1mb'] });
});
afterAll(async () => {
  await backend?.stop();
});

const bomb = (depth: number, fanout: number) =>
  `<!DOCTYPE v [<!ENTITY e0 "boom">${Array.from({ length: depth }, (_, i) => `<!ENTITY e${i + 1} "${`&e${i};`.repeat(fanout)}">`).join('')}]><View><Text name="t" value="&e${depth};"/></View>`;

const labelConfig = fc.oneof(
  fc.constant('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/></Choices></View>'),
  fc.string(),
  fc.stringMatching(/^<[A-Za-z]{1,6}( [a-z]{1,4}="[^"]{0,8}")*\/?>(<\/?[A-Za-z]{1,6}>){0,4}$/),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 12 })).map(([d, f]) => bomb(d, f)),
  fc.constant('<!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><View>&x;</View>'),
  fc.constant(`<View>${'<View>'.repeat(300)}${'</View>'.repeat(300)}</View>`),
  fc.string({ minLength: 5000, maxLength: 20000 }),
);
const deep = fc.integer({ min: 50, max: 3000 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown);
const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), deep, fc.string({ maxLength: 100_000 }), labelConfig);
const project = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant('7.1700000000'), value);

const bodies: Record<string, fc.Arbitrary<unknown>> = {
  '/setup': fc.record({ project, schema: fc.oneof(labelConfig, value), extra_params: value, hostname: value, access_token: value }, { requiredKeys: [] }),
  '/predict': fc.record(
    {
      tasks: fc.oneof(fc.array(fc.oneof(fc.record({ id: fc.integer(), data: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })) }), value), { maxLength: 20 }), value),
      project,
      label_config: fc.oneof(labelConfig, value),
      params: fc.oneof(value, fc.record({ login: value, password: value, context: value }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  ),
  '/webhook': fc.record(
    {
      action: fc.oneof(fc.constantFrom('ANNOTATION_CREATED', 'START_TRAINING', 'ANNOTATIONS_DELETED', 'PROJECT_UPDATED'), value),
      project: fc.oneof(fc.record({ id: project, label_config: fc.oneof(labelConfig, value) }, { requiredKeys: [] }), value),
      annotation: value,
    },
    { requiredKeys: [] },
  ),
  '/job_status': fc.record({ job: value }, { requiredKeys: [] }),
};

/** The same bodies, sent as they would arrive from a broken or hostile client. */
const wire = (body: unknown) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant({ type: 'application/json', payload: JSON.stringify(body) ?? 'null' }) },
    { weight: 1, arbitrary: fc.nat().map((n) => { const t = JSON.stringify(body) ?? ''; return { type: 'application/json', payload: t.slice(0, n % (t.length + 1)) }; }) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/json; charset=latin1').map((type) => ({ type, payload: JSON.stringify(body) ?? '' })) },
    { weight: 1, arbitrary: fc.string().map((payload) => ({ type: 'application/json', payload })) },
  );

describe('fuzzing every route', () => {
  for (const [route, arb] of Object.entries(bodies)) {
    it(`${route}: ${RUNS} hostile bodies → no 5xx, no crash`, async () => {
      const statuses = new Map<number, number>();
      const samples = fc.sample(arb.chain(wire), { numRuns: RUNS, seed: 42 });
      const concurrency = 16;
      let next = 0;
      const fiveHundreds: string[] = [];
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < samples.length) {
            const { type, payload } = samples[next++]!;
            const res = await fetch(backend.url + route, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: payload });
            const text = await res.text();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status >= 500 && fiveHundreds.length < 3) fiveHundreds.push(`${res.status} ${payload.slice(0, 200)} → ${text.slice(0, 300)}`);
            if (res.status >= 400) expect(res.headers.get('content-type')).toMatch(/application\/json/);
          }
        }),
      );
      console.log(`${route}: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
      expect(fiveHundreds).toEqual([]);
      expect(backend.child.exitCode).toBeNull();
      expect((await fetch(`${backend.url}/health`)).status).toBe(200);
    }, 300_000);
  }
});
