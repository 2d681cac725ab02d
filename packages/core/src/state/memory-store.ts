import { assertStringValue, type StateStore } from './state-store.js';

/** Process-local state: for tests and throw-away runs. Nothing survives a restart. */
export class MemoryStore implements StateStore {
  readonly kind = 'memory';
  private readonly data = new Map<string, Map<string, string>>();
  private writes = 0;

  /** Counts this store's writes: nothing else can change it. */
  changeToken(): number {
    return this.writes;
  }

  get(projectId: string, key: string): string | null {
    return this.data.get(projectId)?.get(key) ?? null;
  }

  getMany(projectId: string, keys: readonly string[]): Array<string | null> {
    const project = this.data.get(projectId);
    return keys.map((key) => project?.get(key) ?? null);
  }

  set(projectId: string, key: string, value: string): void {
    assertStringValue(value);
    let project = this.data.get(projectId);
    if (!project) {
      project = new Map();
      this.data.set(projectId, project);
    }
    project.set(key, value);
    this.writes++;
  }

  keys(projectId: string, prefix: string): string[] {
    return [...(this.data.get(projectId)?.keys() ?? [])].filter((k) => k.startsWith(prefix));
  }

  has(projectId: string, key: string): boolean {
    return this.data.get(projectId)?.has(key) ?? false;
  }

  delete(projectId: string, key: string): void {
    this.data.get(projectId)?.delete(key);
    this.writes++;
  }

  close(): void {
    this.data.clear();
  }
}
