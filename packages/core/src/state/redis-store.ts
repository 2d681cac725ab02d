import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { assertStringValue, type StateStore } from './state-store.js';

const requireOptional = createRequire(import.meta.url);

/** Load ioredis only when Redis is configured: it is an optional peer dependency of @lsml/core. */
export function loadIoredis(): typeof import('ioredis').default {
  try {
    return (requireOptional('ioredis') as typeof import('ioredis')).default;
  } catch {
    throw new Error('CACHE_TYPE=redis and QUEUE=bullmq need the ioredis package: npm install ioredis bullmq');
  }
}

export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  const IORedis = loadIoredis();
  // BullMQ needs maxRetriesPerRequest null; it also makes our commands wait through a Redis restart.
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/**
 * The Redis commands `RedisStore` uses: an ioredis client fits. Declared here rather than imported from
 * ioredis so that the published types do not need ioredis (an optional peer) to compile.
 */
export interface RedisHashClient {
  /** `HGET key field`. */
  hget(key: string, field: string): Promise<string | null>;
  /** `HMGET key field…`. */
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  /** `HSET key field value`. */
  hset(key: string, field: string, value: string): Promise<number>;
  /** `HEXISTS key field`: 1 or 0. */
  hexists(key: string, field: string): Promise<number>;
  /** `HDEL key field…`. */
  hdel(key: string, ...fields: string[]): Promise<number>;
  /** `HSCAN key cursor MATCH pattern COUNT n`: the next cursor and the flat field/value list. */
  hscan(key: string, cursor: string | number, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[cursor: string, elements: string[]]>;
  /** `PUBLISH channel message` (announces a write to the other processes). */
  publish(channel: string, message: string): Promise<number>;
  /** A second connection with the same settings, used to subscribe to those announcements. */
  duplicate(): RedisSubscriberClient;
  /** Close the connection after the pending commands. */
  quit(): Promise<unknown>;
  /** Close the connection at once. */
  disconnect(): void;
}

/** The subscriber connection `RedisHashClient.duplicate()` returns (ioredis's `Redis` fits). */
export interface RedisSubscriberClient {
  /** `SUBSCRIBE channel`. */
  subscribe(channel: string): Promise<unknown>;
  /** Connection events: `message` for each announcement, `ready`, `close`, `error`. */
  on(event: 'message' | 'ready' | 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  /** Close the connection at once. */
  disconnect(): void;
}

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** Redis URL to connect to (default `redis://127.0.0.1:6379`); ignored with `client`. */
  url?: string;
  /** An open client (e.g. `new Redis(url)` from ioredis) to use instead; the caller closes it. */
  client?: RedisHashClient;
  /** Key prefix (default `lsml`): state lives in hashes `<prefix>:state:<project>`. */
  prefix?: string;
}

/** Longest a write by a client that does not announce it (another SDK, `redis-cli`) goes unseen. */
const FALLBACK_TTL_MS = 500;

/**
 * Shared state for several servers and workers (`CACHE_TYPE=redis`): one hash per project. Every write
 * is announced on `<prefix>:changes` (pub/sub); `changeToken()` follows those announcements, so model
 * instances re-read their cached version within milliseconds of a write in any process, and at the
 * latest after 500 ms for writers that do not announce.
 */
export class RedisStore implements StateStore {
  readonly kind = 'redis';
  /** The connection the store talks to (its own, or `options.client`). */
  readonly client: RedisHashClient;
  private readonly prefix: string;
  private readonly owned: boolean;
  private subscriber: RedisSubscriberClient | undefined;
  private subscribed = false;
  private changes = 0;

  constructor(options: RedisStoreOptions = {}) {
    this.client = options.client ?? connectRedis(options.url ?? 'redis://127.0.0.1:6379');
    this.owned = !options.client;
    this.prefix = options.prefix ?? 'lsml';
  }

  private key(projectId: string): string {
    return `${this.prefix}:state:${projectId}`;
  }

  async get(projectId: string, key: string): Promise<string | null> {
    return this.client.hget(this.key(projectId), key);
  }

  async getMany(projectId: string, keys: readonly string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    return this.client.hmget(this.key(projectId), ...keys);
  }

  async set(projectId: string, key: string, value: string): Promise<void> {
    assertStringValue(value);
    await this.client.hset(this.key(projectId), key, value);
    await this.announce();
  }

  private async announce(): Promise<void> {
    this.changes++;
    await this.client.publish(`${this.prefix}:changes`, '1');
  }

  /**
   * Counts announced writes (own and other processes'), plus a 500 ms clock for unannounced ones.
   * Until the subscription is confirmed (and while it is down), every call gives a new value, so
   * nothing is served from a stale cache.
   */
  changeToken(): string {
    if (!this.subscriber) this.subscribe();
    if (!this.subscribed) return `u${++this.changes}`;
    return `${this.changes}:${Math.floor(Date.now() / FALLBACK_TTL_MS)}`;
  }

  private subscribe(): void {
    const channel = `${this.prefix}:changes`;
    const sub = this.client.duplicate();
    this.subscriber = sub;
    const confirm = () => {
      sub.subscribe(channel).then(
        () => {
          this.changes++;
          this.subscribed = true;
        },
        () => undefined,
      );
    };
    sub.on('message', () => {
      this.changes++;
    });
    sub.on('close', () => {
      this.subscribed = false;
    });
    sub.on('ready', confirm);
    sub.on('error', () => undefined);
  }

  async keys(projectId: string, prefix: string): Promise<string[]> {
    // HSCAN's MATCH is a glob; escape it so the prefix is taken literally.
    const pattern = prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`) + '*';
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.client.hscan(this.key(projectId), cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (let i = 0; i < flat.length; i += 2) out.push(flat[i] as string);
      cursor = next;
    } while (cursor !== '0');
    return [...new Set(out)];
  }

  async has(projectId: string, key: string): Promise<boolean> {
    return (await this.client.hexists(this.key(projectId), key)) === 1;
  }

  async delete(projectId: string, key: string): Promise<void> {
    await this.client.hdel(this.key(projectId), key);
    await this.announce();
  }

  async close(): Promise<void> {
    this.subscribed = false;
    this.subscriber?.disconnect();
    if (this.owned) await this.client.quit().catch(() => this.client.disconnect());
  }
}
