// The runtime half of the adapter contract, checked the same way for every adapter: each adapter's
// `src/runtime.conformance.test.ts` calls `runtimeConformance(...)` with its runtime and a few inputs.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  isTrainableRuntime,
  LsmlError,
  type InputKind,
  type InputOf,
  type Keypoint,
  type OutputKind,
  type OutputOf,
  type Runtime,
  type RuntimeInfo,
  type RuntimeOutput,
  type TrainingExample,
} from '@lsml/core';

/** What the suite feeds the runtime. */
export interface RuntimeConformanceFixtures<K extends InputKind> {
  /** At least two valid inputs of the runtime's kind (different ones, so order is checked). */
  readonly inputs: readonly InputOf<K>[];
  /** Trainable runtimes: examples to train on (covering at least two labels). */
  readonly examples?: readonly TrainingExample<K>[];
  /** Trainable runtimes: the labels to learn (default: those of `examples`). */
  readonly labels?: readonly string[];
  /** Values `run` must reject with an `LsmlError` (default: an input of the other kind). */
  readonly invalidInputs?: readonly unknown[];
  /** Tolerance when comparing scores of two runs (default 1e-4). */
  readonly tolerance?: number;
  /** Per-check time limit in ms (default 60 000: real models load slowly). */
  readonly timeoutMs?: number;
}

/** One named check of the suite; `run` throws an `Error` saying what is wrong. */
export interface RuntimeCheck {
  /** What the check asserts, used as the test's name. */
  readonly name: string;
  /** Run the check; rejects with an `Error` saying what is wrong. */
  run(): Promise<void>;
}

/** Makes a fresh, unloaded runtime (called once per check, and once more for restore checks). */
export type MakeRuntime<K extends InputKind, O extends OutputKind> = () => Runtime<K, O> | Promise<Runtime<K, O>>;

class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
}

function fail(message: string): never {
  throw new ConformanceError(message);
}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) fail(message);
}

const inUnit = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
const EPS = 1e-6;

/** Problems with one output for one input, given what `load()` reported. */
export function outputProblems(output: RuntimeOutput, input: InputOf<InputKind>, expectedKind: OutputKind, info: RuntimeInfo): string[] {
  const problems: string[] = [];
  if (typeof output !== 'object' || output === null) return [`output is ${String(output)}, not an object`];
  if (output.kind !== expectedKind) return [`output kind is "${String(output.kind)}", the runtime declares "${expectedKind}"`];
  const score = (s: unknown, where: string) => {
    if (!inUnit(s)) problems.push(`${where}.score ${String(s)} is not a number in [0, 1]`);
  };
  const label = (l: unknown, where: string) => {
    if (typeof l !== 'string' || l === '') problems.push(`${where}.label must be a non-empty string, got ${JSON.stringify(l)}`);
    else if (info.labels && !info.candidateLabels && output.kind === 'classes' && !info.labels.includes(l)) problems.push(`${where}.label "${l}" is not one of load()'s labels`);
  };
  const inImage = (x: number, y: number, where: string) => {
    if (input.kind !== 'image') return;
    if (!(x >= -EPS && y >= -EPS && x <= input.width + EPS && y <= input.height + EPS)) problems.push(`${where} (${x}, ${y}) lies outside the ${input.width}×${input.height} input image`);
  };
  switch (output.kind) {
    case 'classes':
      if (!Array.isArray(output.classes) || output.classes.length === 0) problems.push('classes must be a non-empty list');
      else output.classes.forEach((c, i) => (label(c.label, `classes[${i}]`), score(c.score, `classes[${i}]`)));
      break;
    case 'spans': {
      const length = input.kind === 'text' ? input.text.length : 0;
      if (!Array.isArray(output.spans)) problems.push('spans must be a list');
      else
        output.spans.forEach((s, i) => {
          label(s.label, `spans[${i}]`);
          score(s.score, `spans[${i}]`);
          if (!(Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end > s.start && s.end <= length)) {
            problems.push(`spans[${i}] [${s.start}, ${s.end}) is not a non-empty range inside the text (length ${length})`);
          }
        });
      break;
    }
    case 'boxes':
      if (!Array.isArray(output.boxes)) problems.push('boxes must be a list');
      else
        output.boxes.forEach((b, i) => {
          label(b.label, `boxes[${i}]`);
          score(b.score, `boxes[${i}]`);
          if (!(b.width >= 0 && b.height >= 0)) problems.push(`boxes[${i}] has a negative size`);
          inImage(b.x, b.y, `boxes[${i}] top-left`);
          inImage(b.x + b.width, b.y + b.height, `boxes[${i}] bottom-right`);
        });
      break;
    case 'keypoints':
      if (!Array.isArray(output.instances)) problems.push('instances must be a list');
      else
        output.instances.forEach((inst, i) => {
          score(inst.score, `instances[${i}]`);
          inst.points.forEach((p: Keypoint, j: number) => (label(p.label, `instances[${i}].points[${j}]`), score(p.score, `instances[${i}].points[${j}]`), inImage(p.x, p.y, `instances[${i}].points[${j}]`)));
        });
      break;
    case 'masks':
      if (!Array.isArray(output.masks)) problems.push('masks must be a list');
      else
        output.masks.forEach((m, i) => {
          label(m.label, `masks[${i}]`);
          score(m.score, `masks[${i}]`);
          if (!(m.data instanceof Uint8Array) || m.data.length !== m.width * m.height) problems.push(`masks[${i}].data must be a Uint8Array of width × height bytes`);
        });
      break;
    case 'text':
      if (!Array.isArray(output.texts)) problems.push('texts must be a list');
      else
        output.texts.forEach((t, i) => {
          if (typeof t.text !== 'string') problems.push(`texts[${i}].text must be a string`);
          if (t.score !== undefined) score(t.score, `texts[${i}]`);
        });
      break;
    default:
      problems.push(`unknown output kind "${String((output as { kind: unknown }).kind)}"`);
  }
  return problems;
}

/** Numbers within `tol`, everything else equal (typed arrays compared element by element). */
function close(a: unknown, b: unknown, tol: number, where = 'output'): string | null {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tol || (Number.isNaN(a) && Number.isNaN(b)) ? null : `${where}: ${a} ≠ ${b}`;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return close(Array.from(a as Uint8Array), Array.from(b as Uint8Array), tol, where);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${where}: length ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = close(a[i], b[i], tol, `${where}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${where}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${where}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
}

/** Sort class lists by label so "any order" does not count as a difference. */
function canonical(output: unknown): unknown {
  const o = output as { kind?: string; classes?: Array<{ label: string }> };
  if (o?.kind === 'classes' && Array.isArray(o.classes)) return { ...o, classes: [...o.classes].sort((x, y) => (x.label < y.label ? -1 : x.label > y.label ? 1 : 0)) };
  return output;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return fail('expected a rejection, but it resolved');
}

/**
 * The checks of the runtime conformance suite, as plain async functions (`runtimeConformance` wraps
 * each in a vitest `it`). Useful on their own to show that a broken runtime fails them.
 */
export function runtimeChecks<K extends InputKind, O extends OutputKind>(makeRuntime: MakeRuntime<K, O>, fixtures: RuntimeConformanceFixtures<K>): RuntimeCheck[] {
  const tol = fixtures.tolerance ?? 1e-4;
  const inputs = fixtures.inputs;
  const withRuntime = (fn: (rt: Runtime<K, O>) => Promise<void>) => async () => {
    const rt = await makeRuntime();
    try {
      await fn(rt);
    } finally {
      await rt.dispose().catch(() => undefined);
    }
  };
  const loadChecked = async (rt: Runtime<K, O>): Promise<RuntimeInfo> => {
    const info = await rt.load();
    check(typeof info === 'object' && info !== null, `load() must resolve to a RuntimeInfo object, got ${String(info)}`);
    return info;
  };
  const runChecked = async (rt: Runtime<K, O>, batch: readonly InputOf<K>[], info: RuntimeInfo): Promise<OutputOf<O>[]> => {
    const outputs = await rt.run(batch);
    check(Array.isArray(outputs), `run() must resolve to a list, got ${typeof outputs}`);
    check(outputs.length === batch.length, `run() returned ${outputs.length} outputs for ${batch.length} inputs (one per input, in order)`);
    outputs.forEach((o, i) => {
      const problems = outputProblems(o as RuntimeOutput, batch[i] as InputOf<InputKind>, rt.output, info);
      check(problems.length === 0, `outputs[${i}]: ${problems.join('; ')}`);
    });
    return outputs;
  };

  const checks: RuntimeCheck[] = [
    {
      name: 'declares provider, modelId, input/output kinds and consistent capabilities',
      run: withRuntime(async (rt) => {
        check(typeof rt.provider === 'string' && rt.provider !== '', 'provider must be a non-empty string');
        check(typeof rt.modelId === 'string' && rt.modelId !== '', 'modelId must be a non-empty string');
        check(rt.input === 'text' || rt.input === 'image', `input must be 'text' or 'image', got ${String(rt.input)}`);
        check(['classes', 'spans', 'boxes', 'keypoints', 'masks', 'text'].includes(rt.output), `unknown output kind ${String(rt.output)}`);
        check(inputs.length >= 2, 'fixtures.inputs needs at least two inputs');
        check(inputs.every((i) => i.kind === rt.input), `fixtures.inputs must all be ${rt.input} inputs`);
        const c = rt.capabilities;
        check(typeof c === 'object' && c !== null, 'capabilities must be an object');
        if (c.batching !== false) {
          check(Number.isInteger(c.batching.maxBatchSize) && c.batching.maxBatchSize >= 1, 'capabilities.batching.maxBatchSize must be an integer ≥ 1');
          check(Number.isFinite(c.batching.maxDelayMs) && c.batching.maxDelayMs >= 0, 'capabilities.batching.maxDelayMs must be ≥ 0');
        }
        check(['native', 'worker', 'event-loop'].includes(c.threads), `capabilities.threads must be native, worker or event-loop, got ${String(c.threads)}`);
        check(typeof c.shared === 'boolean' && typeof c.trainable === 'boolean', 'capabilities.shared and .trainable must be booleans');
        if (c.trainable) {
          check(isTrainableRuntime(rt), 'capabilities.trainable is true but train/save/restore are missing');
          check(!c.shared, 'a trainable runtime is per project: capabilities.shared must be false');
        }
      }),
    },
    {
      name: 'load() is idempotent: concurrent and repeated loads agree',
      run: withRuntime(async (rt) => {
        const [a, b] = await Promise.all([rt.load(), rt.load()]);
        const c = await rt.load();
        check(close(a, b, 0) === null && close(a, c, 0) === null, `load() results differ: ${close(a, b, 0) ?? close(a, c, 0)}`);
        if (a.labels) check(Array.isArray(a.labels) && a.labels.every((l) => typeof l === 'string'), 'RuntimeInfo.labels must be strings');
      }),
    },
    {
      name: 'run([]) resolves to []',
      run: withRuntime(async (rt) => {
        await loadChecked(rt);
        const out = await rt.run([]);
        check(Array.isArray(out) && out.length === 0, `run([]) must resolve to [], got ${JSON.stringify(out)}`);
      }),
    },
    {
      name: 'run() returns one valid output per input, in order (a batch equals the inputs run one by one)',
      run: withRuntime(async (rt) => {
        const info = await loadChecked(rt);
        if (info.untrained) return; // checked after training below
        const batch = await runChecked(rt, inputs, info);
        for (const [i, input] of inputs.entries()) {
          const [alone] = await runChecked(rt, [input], info);
          const d = close(canonical(alone), canonical(batch[i]), tol, `outputs[${i}]`);
          check(d === null, `the batch output for input ${i} differs from running it alone (order or batching bug): ${d}`);
        }
      }),
    },
    {
      name: 'run() with an aborted signal rejects with the signal reason',
      run: withRuntime(async (rt) => {
        await loadChecked(rt);
        const reason = new Error('conformance abort');
        const err = await rejection(rt.run(inputs, { signal: AbortSignal.abort(reason) }));
        check(err === reason || (LsmlError.is(err) && (err as Error).cause === reason), `expected the signal's reason, got ${String(err)}`);
      }),
    },
    {
      name: 'invalid inputs reject with an LsmlError that has a code',
      run: withRuntime(async (rt) => {
        await loadChecked(rt);
        const invalid = fixtures.invalidInputs ?? [rt.input === 'text' ? { kind: 'image' } : { kind: 'text', text: 'not an image' }];
        for (const bad of invalid) {
          const err = await rejection(rt.run([bad as InputOf<K>]));
          check(LsmlError.is(err), `run([${JSON.stringify(bad)}]) must reject with an LsmlError, got ${String(err)}`);
          check(typeof err.code === 'string' && err.code !== '', 'the LsmlError must have a code');
        }
      }),
    },
    {
      name: 'dispose() then load() again works and gives the same outputs',
      run: withRuntime(async (rt) => {
        const info = await loadChecked(rt);
        if (info.untrained) {
          await rt.dispose();
          await loadChecked(rt);
          return;
        }
        const before = await runChecked(rt, inputs, info);
        await rt.dispose();
        const again = await loadChecked(rt);
        const after = await runChecked(rt, inputs, again);
        const d = close(before.map(canonical), after.map(canonical), tol);
        check(d === null, `outputs differ after dispose + load: ${d}`);
      }),
    },
  ];

  checks.push({
    name: 'trainable: train → save → restore in a fresh runtime gives the same outputs; restore of an empty folder is an LsmlError',
    run: withRuntime(async (rt) => {
      if (!rt.capabilities.trainable) return;
      check(isTrainableRuntime(rt), 'capabilities.trainable is true but train/save/restore are missing');
      const examples = fixtures.examples;
      check(examples !== undefined && examples.length > 0, 'fixtures.examples is needed for a trainable runtime');
      await loadChecked(rt);
      const labels = fixtures.labels ?? [...new Set(examples.flatMap((e) => e.labels))];
      const metrics = await rt.train(examples, { labels });
      check(typeof metrics === 'object' && metrics !== null, 'train() must resolve to a metrics object');
      const trainedInfo = { ...(await rt.load()), labels, untrained: false };
      const trained = await runChecked(rt, inputs, trainedInfo);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-conformance-'));
      const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-conformance-empty-'));
      try {
        await rt.save(dir);
        const fresh = await makeRuntime();
        try {
          check(isTrainableRuntime(fresh), 'makeRuntime() returned a runtime that is not trainable');
          await fresh.load();
          await fresh.restore(dir);
          const restored = await runChecked(fresh, inputs, trainedInfo);
          const d = close(trained.map(canonical), restored.map(canonical), tol);
          check(d === null, `a restored runtime predicts differently from the trained one: ${d}`);
          const err = await rejection(fresh.restore(empty));
          check(LsmlError.is(err), `restore() of an empty folder must reject with an LsmlError, got ${String(err)}`);
        } finally {
          await fresh.dispose().catch(() => undefined);
        }
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
        await fs.rm(empty, { recursive: true, force: true });
      }
    }),
  });
  return checks;
}

/**
 * The runtime conformance suite as vitest tests: `await` it at the top level of an adapter's
 * `src/runtime.conformance.test.ts`. (It loads vitest itself, so `@lsml/testing` stays usable without
 * vitest installed; the `await` makes the tests register while vitest collects the file.)
 *
 * ```ts
 * import { runtimeConformance } from '@lsml/testing';
 * import { onnxRuntime } from './runtime.js';
 *
 * await runtimeConformance('onnx sentiment', () => onnxRuntime({ model, labels, featurize }), {
 *   inputs: [{ kind: 'text', text: 'great film' }, { kind: 'text', text: 'awful plot' }],
 * });
 * ```
 *
 * It checks: declared kinds and capabilities (trainable ⇒ train/save/restore and not shared);
 * `load()` idempotence; `run([])` → `[]`; one valid output per input in order (scores in [0, 1], spans
 * inside the text, boxes and keypoints inside the image, masks of the right size; a batch equals the
 * inputs run one by one); an aborted signal rejects; invalid inputs reject with a coded `LsmlError`;
 * `dispose()` then `load()` works; trainable runtimes: train → save → restore in a fresh runtime
 * predicts the same, and restoring an empty folder is an `LsmlError`.
 */
export async function runtimeConformance<K extends InputKind, O extends OutputKind>(
  name: string,
  makeRuntime: MakeRuntime<K, O>,
  fixtures: RuntimeConformanceFixtures<K>,
): Promise<void> {
  // Imported on call, not at module load: the kit's other tools run without vitest.
  const { describe, it } = await import('vitest');
  describe(`runtime conformance: ${name}`, () => {
    for (const c of runtimeChecks(makeRuntime, fixtures)) it(c.name, c.run, fixtures.timeoutMs ?? 60_000);
  });
}
