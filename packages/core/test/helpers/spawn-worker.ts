import { spawn } from 'node:child_process';
import { CLI } from './spawn-backend.js';

export interface SpawnedWorker {
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Send a signal without waiting for an exit (SIGSTOP/SIGCONT: a worker that stalls while alive). */
  signal(signal: NodeJS.Signals): void;
  output(): string;
}

/** Start `lsml worker <file>` as a real process and resolve once it logs that it is ready. */
export function spawnWorker(modelFile: string, env: Record<string, string>, modelDir: string): Promise<SpawnedWorker> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'worker', modelFile, '--model-dir', modelDir], {
      env: { ...process.env, LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 20_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (out.includes('lsml worker ready')) {
        clearTimeout(timer);
        resolve({
          output: () => out,
          signal: (signal) => void child.kill(signal),
          stop: (signal = 'SIGTERM') =>
            new Promise((r) => {
              // A process killed by a signal has signalCode set and exitCode null.
              if (child.exitCode !== null || child.signalCode !== null) return r(child.exitCode);
              child.once('exit', (code) => r(code));
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited ${code}:\n${out}`)));
  });
}
