import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TransformersError } from './errors.js';
import { loadTransformers, onnxRuntimeLocations, type LibraryName } from './library.js';
import { getPipeline, releaseAllPipelines } from './pipelines.js';
import { LIBRARIES, memoryLogger, MODELS_DIR, testModel } from './test-models.test-helper.js';

afterAll(() => releaseAllPipelines());

describe('loadTransformers', () => {
  const saved = process.env.LSML_TRANSFORMERS_LIBRARY;
  afterEach(() => {
    if (saved === undefined) delete process.env.LSML_TRANSFORMERS_LIBRARY;
    else process.env.LSML_TRANSFORMERS_LIBRARY = saved;
  });

  it('prefers @huggingface/transformers when both are installed', async () => {
    delete process.env.LSML_TRANSFORMERS_LIBRARY;
    const lib = await loadTransformers();
    expect(lib.name).toBe('@huggingface/transformers');
    expect(lib.major).toBeGreaterThanOrEqual(3);
  });

  it('takes @xenova/transformers when asked (option or LSML_TRANSFORMERS_LIBRARY)', async () => {
    expect((await loadTransformers({ library: '@xenova/transformers' })).major).toBe(2);
    process.env.LSML_TRANSFORMERS_LIBRARY = '@xenova/transformers';
    expect((await loadTransformers()).name).toBe('@xenova/transformers');
    process.env.LSML_TRANSFORMERS_LIBRARY = 'transformers';
    await expect(loadTransformers()).rejects.toThrow(/LSML_TRANSFORMERS_LIBRARY must be one of/);
  });

  it('wraps a module given directly', async () => {
    const mod = await import('@xenova/transformers');
    const lib = await loadTransformers({ module: mod });
    expect(lib).toMatchObject({ name: '@xenova/transformers', major: 2 });
    await expect(loadTransformers({ module: {} })).rejects.toThrow(/does not look like transformers.js/);
  });

  it('shares one onnxruntime-node between @huggingface/transformers and @lsml/onnx', () => {
    const where = onnxRuntimeLocations();
    const onnxPackage = path.resolve(MODELS_DIR, '..', '..', '..', 'onnx', 'package.json');
    const fromOnnx = path.dirname(createRequire(onnxPackage).resolve('onnxruntime-node/package.json'));
    expect(where['@huggingface/transformers']).toBe(fromOnnx);
    // v2 brings its own (older) runtime.
    expect(where['@xenova/transformers']).not.toBe(fromOnnx);
  });
});

describe.each(LIBRARIES)('local model folders (%s)', (library: LibraryName) => {
  it('fails with one error naming every expected file and the folder', async () => {
    const dir = path.join(os.tmpdir(), 'lsml-no-such-model');
    const err = await getPipeline({ task: 'token-classification', model: dir, library }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransformersError);
    expect(err).toMatchObject({ code: 'model_load', status: 500 });
    const message = (err as Error).message;
    expect(message).toContain(dir);
    expect(message).toContain('does not exist');
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) expect(message).toContain(f);
    expect(message).toMatch(library === '@xenova/transformers' ? /onnx\/model_quantized\.onnx/ : /onnx\/model\.onnx/);
    expect((err as TransformersError).details?.missing).toContain('config.json');
  });

  it('names only the missing files of an incomplete folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-partial-'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(testModel(`tiny-gpt2/${f}`), path.join(dir, f));
    const err = (await getPipeline({ task: 'text-generation', model: dir, library }).catch((e: unknown) => e)) as TransformersError;
    expect(err).toBeInstanceOf(TransformersError);
    expect(err).toMatchObject({ code: 'model_load', status: 500 });
    expect(err.details?.missing).toEqual([library === '@xenova/transformers' ? 'onnx/decoder_model_merged_quantized.onnx' : 'onnx/model.onnx']);
    expect(err.message).toContain('any of');
    const q8 = (await getPipeline({ task: 'text-generation', model: testModel('tiny-gpt2'), library, dtype: 'q8' }).catch((e: unknown) => e)) as TransformersError;
    expect(q8.details?.missing).toEqual([library === '@xenova/transformers' ? 'onnx/decoder_model_merged_quantized.onnx' : 'onnx/model_quantized.onnx']);
  });

  it('loads once per process, shares it, and leaves the library env as it was', async () => {
    const lib = await loadTransformers({ library });
    const before = { ...lib.module.env };
    const logger = memoryLogger();
    const [a, b] = await Promise.all([
      getPipeline({ task: 'text-classification', model: testModel('tiny-bert-sst2'), library }, { logger }),
      getPipeline({ task: 'text-classification', model: testModel('tiny-bert-sst2'), library }),
    ]);
    expect(a).toBe(b);
    expect(a.source).toBe('local');
    // v2's default is the quantized file; the folder only has fp32, which `auto` picks.
    expect(a.dtype).toBe('fp32');
    expect(logger.lines.filter((l) => l.msg === 'Pipeline ready')).toHaveLength(1);
    const after = lib.module.env;
    for (const key of ['allowRemoteModels', 'allowLocalModels', 'localModelPath', 'cacheDir', 'remoteHost', 'useFSCache'] as const) {
      expect(after[key]).toEqual(before[key]);
    }
  });
});

/** A stand-in for huggingface.co serving test/models/ at `/<org>/<name>/resolve/main/<file>`. */
async function fakeHub(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/lsml-test\/([^/]+)\/resolve\/main\/(.+)$/.exec(decodeURIComponent((req.url ?? '').split('?')[0] ?? ''));
    const file = m ? path.join(MODELS_DIR, m[1] as string, m[2] as string) : '';
    if (!m || !file.startsWith(MODELS_DIR) || !fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, requests, close: () =>
      new Promise((resolve) => {
        // transformers.js v4 leaves a metadata response unread; drop it instead of waiting for keep-alive.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(LIBRARIES)('hub models (%s, against a local stand-in hub)', (library: LibraryName) => {
  it('downloads into the cache dir with progress logs, then works offline from the cache', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-cache-'));
    const hub = await fakeHub();
    const logger = memoryLogger();
    const request = { task: 'text-classification' as const, model: 'lsml-test/tiny-bert-sst2', library, cacheDir, remoteHost: hub.url, dtype: 'fp32' as const };
    const loaded = await getPipeline(request, { logger });
    expect(loaded.source).toBe('hub');
    expect(fs.existsSync(path.join(cacheDir, 'lsml-test/tiny-bert-sst2/onnx/model.onnx'))).toBe(true);
    expect(hub.requests.some((r) => r.includes('onnx/model.onnx'))).toBe(true);
    const downloads = logger.lines.filter((l) => l.msg === 'Downloading model file' || l.msg === 'Downloaded model file');
    expect(downloads.map((l) => (l.obj as { file: string }).file)).toContain('onnx/model.onnx');

    await hub.close();
    await releaseAllPipelines();
    const offline = memoryLogger();
    const again = await getPipeline({ ...request, remoteHost: 'http://127.0.0.1:9/' }, { logger: offline });
    expect(again).not.toBe(loaded);
    expect(offline.lines.some((l) => l.msg === 'Downloading model file')).toBe(false);
  });

  it('offline and not cached: one error with the expected files, the cache folder and the hub', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-cache-'));
    const err = (await getPipeline({
      task: 'token-classification',
      model: 'lsml-test/not-cached',
      library,
      cacheDir,
      remoteHost: 'http://127.0.0.1:9/',
    }).catch((e: unknown) => e)) as TransformersError;
    expect(err).toBeInstanceOf(TransformersError);
    expect(err).toMatchObject({ code: 'model_load', status: 500 });
    expect(err.message).toContain(path.join(cacheDir, 'lsml-test/not-cached'));
    expect(err.message).toContain('http://127.0.0.1:9/');
    expect(err.message).toMatch(/config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model(_quantized)?\.onnx/);
    const localOnly = (await getPipeline({ task: 'text-generation', model: 'lsml-test/not-cached', library, cacheDir, localFilesOnly: true }).catch(
      (e: unknown) => e,
    )) as TransformersError;
    expect(localOnly.message).toContain('remote downloads are off');
  });
});
