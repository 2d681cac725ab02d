// Log capture for tests that assert what a backend logged (per-task warnings, errors): the one copy
// the HTTP tests of core and the adapters share. It takes the logger factory as an argument so that
// `@lsml/core/testing` itself loads no logging library (pino stays out of this entry).
import { Writable } from 'node:stream';

/** One JSON log line as the logger wrote it (pino's `level` is a number: 30 info, 40 warn, 50 error). */
export type CapturedLogLine = Record<string, unknown>;

/**
 * A logger whose JSON lines are collected in `lines`, at debug level.
 *
 * ```ts
 * import { createLogger } from '@lsml/core';
 * import { captureLogs } from '@lsml/core/testing';
 *
 * const { lines, logger } = captureLogs(createLogger);
 * // … serve a backend with { logger }, send a task without its text …
 * expect(lines.filter((l) => l.level === 40)).toContainEqual(expect.objectContaining({ task: 2 }));
 * ```
 */
export function captureLogs<L>(makeLogger: (options: { level: 'debug'; destination: Writable }) => L): { lines: CapturedLogLine[]; logger: L } {
  const lines: CapturedLogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as CapturedLogLine);
      cb();
    },
  });
  return { lines, logger: makeLogger({ level: 'debug', destination }) };
}
