import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { assertStringValue, type StateStore } from './state-store.js';

/** How long a read of `PRAGMA data_version` is reused by `changeToken()`. */
const DATA_VERSION_TTL_MS = 10;

/** Where {@link SqliteStore} keeps its database file. */
export interface SqliteStoreOptions {
  /** Directory holding `cache.db` (Python's `MODEL_DIR`); created if missing. */
  modelDir?: string;
  /** Full path of the database file; overrides `modelDir`. */
  file?: string;
}

/**
 * The embedded default store: `<MODEL_DIR>/cache.db` with Python's table layout, so a cache written by
 * the Python SDK is read as is. WAL lets several processes share the file; every read goes to the
 * database (no in-process memo, unlike Python's LRU — quirk Q17), so writes from another process are
 * seen at once. `changeToken()` (SQLite's `PRAGMA data_version` plus this connection's own writes) lets
 * model instances skip those reads while nothing changed.
 */
export class SqliteStore implements StateStore {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly db: Database.Database;
  private readonly stmtGet: Database.Statement<[string, string], { value: string }>;
  private readonly stmtSet: Database.Statement<[string, string, string]>;
  private readonly stmtDelete: Database.Statement<[string, string]>;
  private readonly stmtDataVersion: Database.Statement<[], number>;
  private writes = 0;
  private dataVersion = 0;
  private dataVersionAt = -Infinity;
  private token = '';
  private tokenOf = -1;
  private tokenWrites = -1;

  constructor(options: SqliteStoreOptions = {}) {
    const modelDir = options.modelDir ?? '.';
    this.file = options.file ?? path.join(modelDir, 'cache.db');
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    // Wait for a writer in another process instead of failing with SQLITE_BUSY.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS cache (project_id TEXT, key TEXT, value TEXT, PRIMARY KEY (project_id, key))',
    );
    this.stmtGet = this.db.prepare('SELECT value FROM cache WHERE project_id = ? AND key = ?');
    this.stmtSet = this.db.prepare('INSERT OR REPLACE INTO cache (project_id, key, value) VALUES (?, ?, ?)');
    this.stmtDelete = this.db.prepare('DELETE FROM cache WHERE project_id = ? AND key = ?');
    this.stmtDataVersion = this.db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  get(projectId: string, key: string): string | null {
    return this.stmtGet.get(projectId, key)?.value ?? null;
  }

  getMany(projectId: string, keys: readonly string[]): Array<string | null> {
    return keys.map((key) => this.get(projectId, key));
  }

  set(projectId: string, key: string, value: string): void {
    assertStringValue(value);
    this.stmtSet.run(projectId, key, value);
    this.writes++;
  }

  keys(projectId: string, prefix: string): string[] {
    // substr() instead of LIKE: no wildcard escaping, and the primary key index still narrows by project.
    const rows = this.db
      .prepare('SELECT key FROM cache WHERE project_id = ? AND substr(key, 1, ?) = ?')
      .all(projectId, prefix.length, prefix) as Array<{ key: string }>;
    return rows.map((r) => r.key);
  }

  has(projectId: string, key: string): boolean {
    return this.stmtGet.get(projectId, key) !== undefined;
  }

  delete(projectId: string, key: string): void {
    this.stmtDelete.run(projectId, key);
    this.writes++;
  }

  /**
   * Changes when another connection (any process) commits — `PRAGMA data_version`, seen within 10 ms —
   * or when this one writes (data_version ignores a connection's own commits).
   */
  changeToken(): string {
    // The pragma is a statement step (~5 µs): under load, ask at most every 10 ms, which still shows
    // another process's commit within 10 ms. This connection's own writes count at once.
    const now = performance.now();
    if (now - this.dataVersionAt >= DATA_VERSION_TTL_MS) {
      this.dataVersion = this.stmtDataVersion.get()!;
      this.dataVersionAt = now;
    }
    // One string per change, not per call (this runs on every request).
    if (this.tokenOf !== this.dataVersion || this.tokenWrites !== this.writes) {
      this.tokenOf = this.dataVersion;
      this.tokenWrites = this.writes;
      this.token = `${this.dataVersion}:${this.writes}`;
    }
    return this.token;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
