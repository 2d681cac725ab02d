import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { parseJsonYielding } from './chunked-json.js';

const parse = (text: string) => parseJsonYielding(Buffer.from(text, 'utf8'));
const big = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, data: { text: `mail ${i} ✉ "quoted" \\ back ${'x'.repeat(40)}` }, tags: [i, [i], {}], n: null }));

describe('parseJsonYielding', () => {
  it('gives what JSON.parse gives for a body with big arrays', async () => {
    const value = { tasks: big(3000), project: '1.17', label_config: '<View/>', params: { context: null }, nums: [1, 2, 3], more: big(2000) };
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2), ` \n${JSON.stringify(value)}\t `]) {
      expect(await parse(text)).toEqual(JSON.parse(text));
    }
  });

  it('keeps JSON.parse semantics for repeated and __proto__ keys, scalars and empty arrays', async () => {
    const tasks = JSON.stringify(big(3000));
    const cases = [
      `{"tasks": ${tasks}, "tasks": 1}`,
      `{"tasks": 1, "tasks": ${tasks}}`,
      `{"__proto__": ${tasks}}`,
      `{"a": [], "tasks": ${tasks}, "b": [1,2,3], "c": "x"}`,
      `{"tasks": ${JSON.stringify(Array.from({ length: 20000 }, (_, i) => i))}}`,
      `{"tasks": ${JSON.stringify(Array.from({ length: 20000 }, (_, i) => (i % 2 ? 'a,b]' : true)))}}`,
      `{"tasks": ${JSON.stringify(Array.from({ length: 20000 }, (_, i) => ['end\\', 'q"\\"', '\\\\"}', `{"k": "${i}"}`][i % 4]))}, "z": "\\\\"}`,
      `[1, 2]`,
      `{}`,
    ];
    for (const text of cases) {
      const got = (await parse(text)) as object;
      const want = JSON.parse(text) as object;
      expect(got).toEqual(want);
      expect(Object.getPrototypeOf(got)).toBe(Object.getPrototypeOf(want));
      expect(Object.keys(got)).toEqual(Object.keys(want));
    }
  });

  it("throws JSON.parse's own error for broken JSON", async () => {
    const tasks = JSON.stringify(big(3000));
    const broken = [`{"tasks": ${tasks.slice(0, -1)},]}`, `{"tasks": ${tasks.replace('},{', '},,{')}}`, `{"tasks": ${tasks.replace('},{', '} {')}}`, `{"tasks": ${tasks}`, `{"tasks": ${tasks}} x`, `{"tasks": ${tasks.replace('"mail 7', '"mail\u0001 7')}}`];
    for (const text of broken) {
      let want: unknown;
      try {
        JSON.parse(text);
      } catch (err) {
        want = (err as Error).message;
      }
      expect(want).toBeDefined();
      await expect(parse(text)).rejects.toThrow(want as string);
    }
  });

  it('yields to the event loop while parsing a 20,000-task body', async () => {
    const text = JSON.stringify({ tasks: Array.from({ length: 20000 }, (_, i) => ({ id: i, data: { text: 'word '.repeat(300) } })), project: '1' });
    const h = monitorEventLoopDelay({ resolution: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    h.enable();
    const value = (await parse(text)) as { tasks: unknown[] };
    h.disable();
    clearInterval(timer);
    expect(value.tasks).toHaveLength(20000);
    // Timers ran while it parsed (JSON.parse in one call would let none run).
    expect(ticks).toBeGreaterThan(3);
  });
});
