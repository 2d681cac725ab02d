import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { StateStore } from './state-store.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-state-'));
const open: StateStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const stores: Array<[string, () => StateStore]> = [
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore({ modelDir: tmp() })],
];

describe.each(stores)('%s store', (_name, make) => {
  it('keeps values per project and key', async () => {
    const s = make();
    open.push(s);
    await s.set('1', 'model_version', '0.0.1');
    await s.set('2', 'model_version', '9.9.9');
    expect(await s.get('1', 'model_version')).toBe('0.0.1');
    expect(await s.get('2', 'model_version')).toBe('9.9.9');
    expect(await s.get('3', 'model_version')).toBeNull();
    expect(await s.has('1', 'model_version')).toBe(true);
    expect(await s.has('1', 'nope')).toBe(false);
    expect(await s.getMany('1', ['model_version', 'nope'])).toEqual(['0.0.1', null]);
    await s.set('1', 'model_version', '0.1.0');
    expect(await s.get('1', 'model_version')).toBe('0.1.0');
    await s.delete('1', 'model_version');
    expect(await s.has('1', 'model_version')).toBe(false);
  });

  it('moves its change token on every write and only then', async () => {
    const s = make();
    open.push(s);
    const t0 = await s.changeToken!();
    expect(await s.changeToken!()).toBe(t0);
    await s.get('1', 'model_version');
    expect(await s.changeToken!()).toBe(t0);
    await s.set('1', 'model_version', '0.0.2');
    const t1 = await s.changeToken!();
    expect(t1).not.toBe(t0);
    await s.delete('1', 'model_version');
    expect(await s.changeToken!()).not.toBe(t1);
  });

  it('accepts strings only, like Python', async () => {
    const s = make();
    open.push(s);
    expect(() => s.set('1', 'k', { a: 1 } as unknown as string)).toThrow('Value must be a string');
    expect(await s.get('1', 'k')).toBeNull();
  });
});

describe('SqliteStore', () => {
  it('uses MODEL_DIR/cache.db in WAL mode and survives a reopen', () => {
    const dir = path.join(tmp(), 'nested', 'models');
    const a = new SqliteStore({ modelDir: dir });
    a.set('7', 'label_config', '<View/>');
    a.close();
    expect(fs.existsSync(path.join(dir, 'cache.db'))).toBe(true);
    const b = new SqliteStore({ modelDir: dir });
    open.push(b);
    expect(b.get('7', 'label_config')).toBe('<View/>');
    const db = new Database(path.join(dir, 'cache.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('reads a cache.db written with the Python SDK table layout', () => {
    const dir = tmp();
    // The exact DDL and write the Python SDK uses (label_studio_ml/cache.py).
    const db = new Database(path.join(dir, 'cache.db'));
    db.exec('CREATE TABLE IF NOT EXISTS cache (project_id TEXT, key TEXT, value TEXT, PRIMARY KEY (project_id, key))');
    db.prepare('INSERT OR REPLACE INTO cache (project_id, key, value) VALUES (?, ?, ?)').run('42', 'model_version', 'SklearnTextClassifier-v0.0.1');
    db.close();
    const s = new SqliteStore({ modelDir: dir });
    open.push(s);
    expect(s.get('42', 'model_version')).toBe('SklearnTextClassifier-v0.0.1');
  });

  it('sees writes from another process at once (no stale reads)', () => {
    const dir = tmp();
    const s = new SqliteStore({ modelDir: dir });
    open.push(s);
    s.set('1', 'model_version', '0.0.1');
    expect(s.get('1', 'model_version')).toBe('0.0.1');
    const script = `const D=require('better-sqlite3');const d=new D(${JSON.stringify(path.join(dir, 'cache.db'))});d.pragma('busy_timeout=5000');d.prepare('INSERT OR REPLACE INTO cache VALUES (?,?,?)').run('1','model_version','0.1.0');d.close();`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(s.get('1', 'model_version')).toBe('0.1.0');
  });

  it('moves its change token when another process commits', async () => {
    const dir = tmp();
    const s = new SqliteStore({ modelDir: dir });
    open.push(s);
    s.set('1', 'model_version', '0.0.1');
    const before = s.changeToken();
    const script = `const D=require('better-sqlite3');const d=new D(${JSON.stringify(path.join(dir, 'cache.db'))});d.pragma('busy_timeout=5000');d.prepare('INSERT OR REPLACE INTO cache VALUES (?,?,?)').run('1','model_version','0.2.0');d.close();`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // The data_version read is reused for 10 ms.
    const deadline = Date.now() + 100;
    while (s.changeToken() === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    expect(s.changeToken()).not.toBe(before);
  });
});
