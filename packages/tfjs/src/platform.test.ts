import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfjsError } from './errors.js';
import { getTfjsPlatform, initTfjs, resetTfjsPlatformForTests, type TfjsPlatform } from './platform.js';
import { runTsx } from './spawn-tsx.test-helper.js';
import { saveTextModel } from './text-model-files.js';

const CHILD = fileURLToPath(new URL('./platform-child.test-helper.ts', import.meta.url));
const require = createRequire(import.meta.url);
let root: string;
let stubDir: string;
let brokenDir: string;

/**
 * tfjs-node cannot be installed here (its install downloads libtensorflow), so these tests put a
 * stand-in under node_modules/@tensorflow/tfjs-node: it registers a backend named "tensorflow" that
 * runs on the cpu kernels, which is what loading the real package does (with native kernels).
 */
async function writeFakeTfjsNode(dir: string, body: string): Promise<void> {
  const pkg = path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
  await fs.mkdir(pkg, { recursive: true });
  await fs.writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
  await fs.writeFile(path.join(pkg, 'index.js'), body);
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'lsml-tfjs-rt-'));
  stubDir = path.join(root, 'with-tfjs-node');
  brokenDir = path.join(root, 'broken-tfjs-node');
  await writeFakeTfjsNode(
    stubDir,
    `const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});
const { MathBackendCPU } = require(${JSON.stringify(require.resolve('@tensorflow/tfjs-backend-cpu'))});
tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
module.exports = tf;
`,
  );
  await writeFakeTfjsNode(brokenDir, `throw new Error('libtensorflow.so.2: cannot open shared object file');\n`);
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('backend selection', () => {
  it('picks wasm when tfjs-node is not installed, and says why', async () => {
    const logs: Array<[object, string | undefined]> = [];
    const rt = await initTfjs({ logger: { info: (o, m) => void logs.push([o, m]), warn: () => {} } });
    expect(rt).toMatchObject({ backend: 'wasm', source: 'auto', nativePackage: null, tfjsVersion: tf.version.tfjs });
    expect(rt.skipped).toEqual([{ backend: 'tensorflow', reason: expect.stringMatching(/^neither .* is installed \(npm install @tensorflow\/tfjs-node\)/) }]);
    expect(tf.getBackend()).toBe('wasm');
    expect(getTfjsPlatform()).toBe(rt);
    expect(logs).toEqual([[expect.objectContaining({ tfjsBackend: 'wasm', source: 'auto' }), 'TF.js backend: wasm']]);
  });

  it('keeps the first choice for later auto calls and switches on an explicit one', async () => {
    const before = getTfjsPlatform();
    expect(await initTfjs()).toBe(before);
    expect(await initTfjs({ backend: 'cpu' })).toMatchObject({ backend: 'cpu', source: 'option' });
    expect(await initTfjs({ env: { LSML_TFJS_BACKEND: 'WASM' } })).toMatchObject({ backend: 'wasm', source: 'env' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects unknown names and an explicit backend that is unavailable', async () => {
    await expect(initTfjs({ env: { LSML_TFJS_BACKEND: 'gpu' } })).rejects.toThrow('LSML_TFJS_BACKEND: unknown TF.js backend "gpu" (use tensorflow, wasm, cpu or auto)');
    await expect(initTfjs({ backend: 'tensorflow' })).rejects.toThrow(TfjsError);
    await expect(initTfjs({ env: { LSML_TFJS_BACKEND: 'tensorflow' } })).rejects.toThrow(
      /^TF.js backend "tensorflow" \(LSML_TFJS_BACKEND\) is unavailable: neither @tensorflow\/tfjs-node nor @tensorflow\/tfjs-node-gpu is installed/,
    );
    expect(tf.getBackend()).toBe('wasm'); // a failed request leaves the working backend in place
  });

  it('falls back when tfjs-node is installed but broken', async () => {
    resetTfjsPlatformForTests();
    const warnings: Array<string | undefined> = [];
    const rt = await initTfjs({ resolveFrom: [brokenDir], logger: { info: () => {}, warn: (_o, m) => void warnings.push(m) } });
    expect(rt.backend).toBe('wasm');
    expect(warnings).toEqual(['tfjs-node is installed but could not be loaded; using wasm']);
    expect(rt.skipped[0]?.reason).toMatch(/@tensorflow\/tfjs-node failed to load: libtensorflow\.so\.2: cannot open shared object file/);
  });

  it('takes the tensorflow path when tfjs-node resolves, and models run on it', async () => {
    resetTfjsPlatformForTests();
    const rt = await initTfjs({ resolveFrom: [stubDir] });
    expect(rt).toMatchObject({ backend: 'tensorflow', source: 'auto', nativePackage: '@tensorflow/tfjs-node', skipped: [] });
    expect(tf.getBackend()).toBe('tensorflow');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, activation: 'softmax' })] });
    const probs = model.predict(tf.ones([1, 4])) as tf.Tensor;
    expect(probs.shape).toEqual([1, 2]);
    const dir = path.join(root, 'saved-on-tensorflow');
    await model.save(`file://${dir}`); // our file:// router, since this tfjs-node registers none
    expect((await fs.readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    // The text classifier's files are written through the same platform.
    const textDir = path.join(root, 'text-on-tensorflow');
    await saveTextModel({ labels: ['no', 'yes'], vectorizer: { dims: 8, ngramRange: [1, 1], lowercase: true, sublinearTf: true, norm: 'l2', seed: 0 }, weights: new Float32Array(16), bias: new Float32Array(2), temperature: 1 }, textDir);
    expect((await fs.readdir(textDir)).sort()).toEqual(['model.json', 'vectorizer.json', 'weights.bin']);
    tf.dispose([probs]);
    model.dispose();
  });

  it('falls back to cpu in a fresh process when the wasm binaries cannot be loaded', async () => {
    const emptyDir = path.join(root, 'no-wasm-binaries');
    await fs.mkdir(emptyDir, { recursive: true });
    const child = await runTsx(CHILD, [], { env: { LSML_TFJS_BACKEND: undefined, LSML_TFJS_WASM_PATH: emptyDir } });
    expect(child.code).toBe(0);
    const rt = JSON.parse(child.stdout) as TfjsPlatform;
    expect(rt).toMatchObject({ backend: 'cpu', source: 'auto', nativePackage: null });
    expect(rt.skipped.map((s) => s.backend)).toEqual(['tensorflow', 'wasm']);
    // The same folder named explicitly is an error, not a silent fallback.
    const forced = await runTsx(CHILD, [], { env: { LSML_TFJS_BACKEND: 'wasm', LSML_TFJS_WASM_PATH: emptyDir } });
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toMatch(/TF\.js backend "wasm" \(LSML_TFJS_BACKEND\) is unavailable/);
  });

  it('takes it by default in a fresh process whose project has tfjs-node, unless the env overrides', async () => {
    const auto = await runTsx(CHILD, [], { cwd: stubDir, env: { LSML_TFJS_BACKEND: undefined } });
    expect(auto.stderr).toBe('');
    expect(JSON.parse(auto.stdout) as TfjsPlatform).toMatchObject({ backend: 'tensorflow', nativePackage: '@tensorflow/tfjs-node', source: 'auto' });
    const forced = await runTsx(CHILD, [], { cwd: stubDir, env: { LSML_TFJS_BACKEND: 'cpu' } });
    expect(JSON.parse(forced.stdout) as TfjsPlatform).toMatchObject({ backend: 'cpu', source: 'env', skipped: [] });
  });
});
