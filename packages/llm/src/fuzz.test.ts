// Hostile input for `backend({ runtime: llmRuntime, head: llmHead() })` on a real server whose
// provider is the LOCAL STAND-IN chat-completions server:
// - generated label configs (random nesting of Text/Choices/Labels/TextArea/Image/RectangleLabels/…,
//   missing/duplicate names, dangling toName, unknown tags) on /setup and /predict: 200 or a 4xx JSON
//   error, never a 5xx;
// - generated provider answers (invalid JSON, wrong types, nulls, huge strings, choices not in the
//   config, spans not in the text, nested garbage, lone surrogates/emoji, numbers out of range): every
//   answer is 200, one entry per task, and each prediction passes core's validatePrediction — with
//   whole answers and with streamed ones (server-sent chunks of five characters).
import { backend, createServer, LabelInterface, MemoryStore, validatePrediction, type LsmlServer } from '@lsml/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { llmHead } from './head.js';
import { llmRuntime } from './runtime.js';
import { startStandIn, type StandIn } from './stand-in-server.test-helper.js';

const KEY = 'sk-fuzz';
const SEED = Number(process.env.FUZZ_SEED ?? 17);
const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="multiple"><Choice value="Positive"/><Choice value="Negative"/></Choices>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <TextArea name="summary" toName="text"/>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="n" toName="text" min="0" max="10"/>
  <Taxonomy name="tax" toName="text"><Choice value="A"><Choice value="A1"/></Choice><Choice value="B"/></Taxonomy>
</View>`;
let standIn: StandIn;
let server: LsmlServer;
let url = '';
// The same backend asking for streamed answers (server-sent chunks joined by the OpenAI client).
let streamed: LsmlServer;
let streamedUrl = '';

beforeAll(async () => {
  standIn = await startStandIn({ apiKey: KEY });
  // maxRetries 0: a malformed answer is placed or dropped, not asked again (keeps the run short).
  const Model = backend({ runtime: llmRuntime({ baseURL: standIn.baseURL, apiKey: KEY, model: 'fuzz', maxRetries: 0 }), head: llmHead() });
  server = createServer(Model, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
  ({ url } = await server.listen(0, '127.0.0.1'));
  await server.ready;
  const Streamed = backend({ runtime: llmRuntime({ baseURL: standIn.baseURL, apiKey: KEY, model: 'fuzz', maxRetries: 0, stream: true }), head: llmHead() });
  streamed = createServer(Streamed, { store: new MemoryStore(), env: {}, logLevel: 'silent' });
  ({ url: streamedUrl } = await streamed.listen(0, '127.0.0.1'));
  await streamed.ready;
});
afterAll(async () => {
  await server?.close();
  await streamed?.close();
  await standIn?.close();
});

const post = async (route: string, body: unknown, to = url) => {
  const res = await fetch(`${to}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json as { results?: unknown[]; error?: unknown; message?: unknown } | undefined, text };
};

// --- label configs -------------------------------------------------------------------------------
const name = fc.oneof(fc.constantFrom('text', 'img', 'label', 'ner', 'c', ''), fc.string({ maxLength: 6 }));
const attr = (k: string, v: fc.Arbitrary<string>) => fc.option(v.map((x) => ` ${k}="${x.replace(/[<&"]/g, '_')}"`), { nil: '' });
const leaf = fc.tuple(fc.constantFrom('Text', 'Image', 'HyperText', 'Unknown', 'Header'), attr('name', name), attr('value', fc.constantFrom('$text', '$image', '$x', 'plain', ''))).map(([t, n, v]) => `<${t}${n}${v}/>`);
const options = fc.array(fc.tuple(fc.constantFrom('Choice', 'Label', 'Foo'), fc.oneof(fc.constantFrom('Positive', 'PER', 'bright', 'nose', ''), fc.string({ maxLength: 5 }))), { maxLength: 4 }).map((os) => os.map(([t, v]) => `<${t} value="${v.replace(/[<&"]/g, '_')}"/>`).join(''));
const control = fc
  .tuple(
    fc.constantFrom('Choices', 'Labels', 'TextArea', 'RectangleLabels', 'KeyPointLabels', 'BrushLabels', 'PolygonLabels', 'Rating', 'Number', 'Taxonomy', 'Mystery'),
    attr('name', name),
    attr('toName', fc.oneof(name, fc.constant('text,img'))),
    attr('choice', fc.constantFrom('single', 'multiple', 'bogus')),
    attr('maxRating', fc.constantFrom('5', '-1', 'x', '1e309')),
    options,
  )
  .map(([t, n, to, ch, mr, opts]) => `<${t}${n}${to}${ch}${mr}>${opts}</${t}>`);
const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, control, fc.array(tie('node'), { maxLength: 4 }).map((kids) => `<View>${kids.join('')}</View>`)),
})).node;
const labelConfigs = fc.oneof(
  fc.array(node, { maxLength: 6 }).map((kids) => `<View>${kids.join('')}</View>`),
  // Mostly valid with one thing wrong: the interesting cases.
  fc.tuple(fc.constantFrom('<Text name="text" value="$text"/>', '<Image name="img" value="$image"/>', '<Text name="text" value="$text"/><Text name="text" value="$t2"/>', ''), fc.array(control, { minLength: 1, maxLength: 3 })).map(([o, cs]) => `<View>${o}${cs.join('')}</View>`),
  fc.constant(CONFIG),
  fc.string({ maxLength: 200 }),
);

it('generated label configs on /setup and /predict: 200 or a 4xx JSON error, never a 5xx', async () => {
  standIn.fallback = () => ({ content: '{"sentiment": ["Positive"], "ner": ["Ann"]}' });
  let fourxx = 0;
  let ok = 0;
  await fc.assert(
    fc.asyncProperty(labelConfigs, fc.integer({ min: 1, max: 50 }), async (config, project) => {
      const setup = await post('/setup', { project: `${project}.1`, schema: config });
      expect(setup.status, `${config} → ${setup.text}`).toBeLessThan(500);
      if (setup.status === 200) ok++;
      else {
        // A 422 whose detail says what is wrong (the missing/mismatched control, or the XML error).
        expect(setup.status, setup.text).toBe(422);
        expect((setup.body as { detail?: unknown }).detail, setup.text).toMatch(/LabelConfigMismatchError: .*<(Choices|Text)>|LabelStudioXMLSyntaxError|label config|Label config|name|toName/);
        fourxx++;
      }
      const predict = await post('/predict', { project: `${project}.1`, label_config: config, tasks: [{ id: 1, data: { text: 'Ann works at Acme', image: '/nope.png' } }] });
      expect(predict.status, `${config} → ${predict.text}`).toBeLessThan(500);
      if (predict.status === 200) {
        expect(predict.body?.results, predict.text).toHaveLength(1);
        const p = predict.body!.results![0];
        if (!(Array.isArray(p) && p.length === 0)) expect(validatePrediction(new LabelInterface(config), p as never).errors, config).toEqual([]);
      } else {
        expect(predict.status, predict.text).toBe(422);
        expect((predict.body as { detail?: unknown }).detail, predict.text).toBeTypeOf('string');
      }
    }),
    { numRuns: Number(process.env.FUZZ_CONFIG_RUNS ?? 150), seed: SEED, endOnFailure: true },
  );
  // Both outcomes are exercised, so neither half of the property is vacuous.
  expect(fourxx).toBeGreaterThan(10);
  expect(ok).toBeGreaterThan(10);
}, 120_000);

// --- provider answers ----------------------------------------------------------------------------
const weird = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('😀', '\uD800', '\uDFFF', 'Ann\u0000', 'A\u0301nn', '𝔄𝔫𝔫', 'Ann works at Acme', 'Acme', 'Ann', 'Positive', 'Negative', 'A', 'A1', 'B', ''),
  fc.string({ minLength: 10_000, maxLength: 60_000 }),
);
const junk = fc.jsonValue({ maxDepth: 3 });
const numberish = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-1, 0, 3, 5, 6, 11, 1e308, -0, 2.5), junk);
const field = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const answerObject = fc.record(
  {
    sentiment: field(fc.oneof(weird, fc.array(weird, { maxLength: 5 }), junk)),
    ner: field(fc.oneof(weird, fc.array(fc.oneof(weird, junk), { maxLength: 5 }), fc.array(fc.record({ text: weird, label: weird }), { maxLength: 3 }), junk)),
    summary: field(fc.oneof(weird, junk)),
    stars: field(numberish),
    n: field(numberish),
    tax: field(fc.oneof(fc.array(fc.array(weird, { maxLength: 3 }), { maxLength: 3 }), weird, junk)),
    extra: field(junk),
  },
  { requiredKeys: [] },
);
const answer = fc.oneof(
  { weight: 6, arbitrary: answerObject.map((o) => JSON.stringify(o)) },
  // Not JSON at all, JSON of the wrong shape, truncated JSON, fenced JSON, a huge string.
  fc.string({ maxLength: 200 }),
  junk.map((j) => JSON.stringify(j)),
  answerObject.chain((o) => {
    const s = JSON.stringify(o);
    return fc.integer({ min: 0, max: s.length }).map((k) => s.slice(0, k));
  }),
  answerObject.map((o) => '```json\n' + JSON.stringify(o) + '\n```'),
  fc.constantFrom('null', '[]', '"Positive"', '{"sentiment": null}', '{"__proto__": {"x": 1}}', '{"sentiment": {"toString": 1}}', 'x'.repeat(200_000)),
);

for (const [mode, runs] of [
  ['', Number(process.env.FUZZ_ANSWER_RUNS ?? 120)],
  [' (streamed)', Number(process.env.FUZZ_ANSWER_RUNS ?? 120) / 3],
] as const) {
  it(`generated provider answers${mode}: 200, one entry per task, every prediction valid`, async () => {
    const to = mode ? streamedUrl : url;
    const li = new LabelInterface(CONFIG);
    expect((await post('/setup', { project: '99.1', schema: CONFIG }, to)).status).toBe(200);
    let predicted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 4 }), async (answers) => {
        standIn.queue.splice(0);
        const queue = [...answers];
        standIn.fallback = () => ({ content: queue.shift() ?? '{}' });
        const tasks = answers.map((_, i) => ({ id: i + 1, data: { text: i % 2 ? 'Ann works at Acme 😀 with Ann' : 'Ann works at Acme' } }));
        const res = await post('/predict', { project: '99.1', label_config: CONFIG, tasks }, to);
        expect(res.status, `${JSON.stringify(answers).slice(0, 500)} → ${res.text.slice(0, 500)}`).toBe(200);
        expect(res.body?.results).toHaveLength(tasks.length);
        for (const p of res.body!.results!) {
          if (Array.isArray(p) && p.length === 0) continue;
          predicted++;
          expect(validatePrediction(li, p as never).errors, `${JSON.stringify(answers).slice(0, 500)} → ${JSON.stringify(p).slice(0, 500)}`).toEqual([]);
        }
      }),
      { numRuns: Math.ceil(runs), seed: SEED, endOnFailure: true },
    );
    expect(predicted).toBeGreaterThan(0);
    expect((await fetch(`${to}/health`)).status).toBe(200);
  }, 120_000);
}
