import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Python's level names (DEBUG, INFO, WARNING, ERROR) map onto pino's. */
export function normalizeLogLevel(level: string | undefined): string {
  const l = (level ?? 'info').toLowerCase();
  if (l === 'warning') return 'warn';
  if (l === 'critical') return 'fatal';
  return ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(l) ? l : 'info';
}

/** Every place a secret can sit in what we log: auth headers, passwords, LS tokens. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'password',
  '*.password',
  'params.password',
  '*.params.password',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'basicAuthPass',
  '*.basicAuthPass',
];

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  level?: string;
  /** `json` always writes JSON lines; `pretty` is for terminals (the default when stdout is a TTY). */
  format?: 'json' | 'pretty';
  destination?: pino.DestinationStream;
}

/**
 * The pino logger lsml uses: level from `options.level` or `LOG_LEVEL`, credentials in logged requests redacted,
 * JSON lines or pretty output (see `format`).
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const base: LoggerOptions = {
    name: 'lsml',
    level: normalizeLogLevel(options.level ?? process.env.LOG_LEVEL),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (options.destination) return pino(base, options.destination);
  const format = options.format ?? (process.env.LOG_FORMAT === 'json' ? 'json' : process.env.LOG_FORMAT === 'pretty' || process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino(base);
}
