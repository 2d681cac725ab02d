import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface SpawnedBackend {
  url: string;
  child: ChildProcess;
  modelDir: string;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Start `lsml start <file>` exactly as a user does (a real process on an ephemeral port) and resolve
 * once it logs its URL.
 */
export async function spawnBackend(
  modelFile: string,
  opts: { env?: Record<string, string>; args?: string[]; modelDir?: string } = {},
): Promise<SpawnedBackend> {
  const modelDir = opts.modelDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-test-'));
  const child = spawn(
    process.execPath,
    [CLI, 'start', modelFile, '--port', '0', '--host', '127.0.0.1', '--model-dir', modelDir, ...(opts.args ?? [])],
    {
      env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start in 20 s:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('lsml server listening')) continue;
        try {
          const parsed = JSON.parse(line) as { url?: string };
          if (parsed.url) {
            clearTimeout(timer);
            resolve(parsed.url);
          }
        } catch {
          // a partial line; wait for more
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`backend exited with ${code} before listening:\n${out}`));
    });
  });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return {
    url,
    child,
    modelDir,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        // A process killed by a signal has signalCode set and exitCode null.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
