import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeServer, text, type FakeServer } from './fake-label-studio.test-helper.js';
import { isPreloadNeeded, preloadTaskData, type PreloadTaskDataOptions } from './preload-task-data.js';

let ls: FakeServer;
let tmp: string;

beforeAll(async () => {
  ls = await startFakeServer();
  ls.on('GET', '/storage-data/uploaded/?filepath=upload/3/doc.txt', text('uploaded document text'));
  ls.on('GET', '/remote/a.txt', text('remote A'));
  ls.on('GET', (u) => u.startsWith('/tasks/9/presign/?fileuri='), text('cloud text'));
});
afterAll(async () => {
  await ls.close();
});
beforeEach(async () => {
  ls.requests.length = 0;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lsml-preload-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function opts(extra: PreloadTaskDataOptions = {}): PreloadTaskDataOptions {
  return {
    hostname: ls.origin,
    accessToken: 'legacy-token',
    cacheDir: path.join(tmp, 'cache'),
    imageDir: path.join(tmp, 'no-upload-dir'),
    env: {},
    logger: { warn: () => undefined },
    ...extra,
  };
}

describe('isPreloadNeeded', () => {
  it.each([
    ['upload/1/a.txt', true],
    ['/upload/1/a.txt', true],
    ['/data/upload/1/a.txt', true],
    ['/data/local-files/?d=x/a.txt', true],
    ['s3://bucket/a.txt', true],
    ['gs://bucket/a.txt', true],
    ['azure-blob://c/a.txt', true],
    ['https://example.com/a.txt', true],
    ['ftp://example.com/a.txt', true],
    ['/data/other', false],
    ['mailto:someone@example.com', false],
    ['Just some text, see https://example.com', false],
    ['http://', false],
    ['', false],
  ])('%j → %s', (value, expected) => {
    expect(isPreloadNeeded(value)).toBe(expected);
  });

  it('is true for a path that exists locally', async () => {
    const file = path.join(tmp, 'f.txt');
    await writeFile(file, 'x');
    expect(isPreloadNeeded(file)).toBe(true);
    expect(isPreloadNeeded(path.join(tmp, 'missing.txt'))).toBe(false);
  });
});

describe('preloadTaskData', () => {
  it('replaces references with file text, recursively, and does not mutate the input', async () => {
    const local = path.join(tmp, 'local.txt');
    await writeFile(local, 'local text');
    const task = {
      id: 9,
      data: {
        text: 'upload/3/doc.txt',
        plain: 'not a reference',
        n: 5,
        flag: null,
        nested: { list: [`${ls.origin}/remote/a.txt`, local, 7, { deep: 's3://bucket/dir/c.txt' }] },
      },
    };
    const before = structuredClone(task);
    const out = await preloadTaskData(task, undefined, opts());
    expect(out).toEqual({
      text: 'uploaded document text',
      plain: 'not a reference',
      n: 5,
      flag: null,
      nested: { list: ['remote A', 'local text', 7, { deep: 'cloud text' }] },
    });
    expect(task).toEqual(before);
    expect(out).not.toBe(task.data);
    // The task id reached the cloud presign URL.
    expect(ls.hits((u) => u.startsWith('/tasks/9/presign/'))).toHaveLength(1);
  });

  it('readFile=false returns local paths; an explicit value is walked instead of task.data', async () => {
    const out = await preloadTaskData({ id: 1, data: { ignored: 'upload/3/doc.txt' } }, { a: [`${ls.origin}/remote/a.txt`] }, opts({ readFile: false }));
    const p = out.a[0];
    expect(typeof p).toBe('string');
    expect(path.dirname(p ?? '')).toBe(path.join(tmp, 'cache'));
    expect(ls.requests.map((r) => r.url)).toEqual(['/remote/a.txt']);
  });

  it('keeps a "__proto__" key as data', async () => {
    const data = JSON.parse('{"__proto__": {"polluted": "upload/3/doc.txt"}}') as Record<string, unknown>;
    const out = (await preloadTaskData({ id: 1, data }, undefined, opts())) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'uploaded document text' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
