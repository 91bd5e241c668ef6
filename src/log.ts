import pino from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const REDACT = { paths: ['token', '*.token', 'apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' };

/**
 * The process's logger, on stderr so that stdout stays clean for `--json` output. On a terminal,
 * short readable lines (pino-pretty); otherwise JSON lines for log collectors. Anything that looks
 * like a secret is redacted by key name. The level is the environment's until `configureLogging`
 * applies the validated configuration.
 */
export function createLogger(opts: { tty?: boolean; destination?: NodeJS.WritableStream } = {}) {
  const initial = LEVELS.has(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL! : 'info';
  const tty = opts.tty ?? process.stderr.isTTY === true;
  const destination = tty
    ? pretty({ destination: opts.destination ?? 2, sync: true, colorize: opts.destination === undefined, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' })
    : (opts.destination ?? pino.destination({ dest: 2, sync: true }));
  return pino({ level: initial, redact: REDACT }, destination);
}

export const log = createLogger();
export type Logger = typeof log;

/**
 * Applies the configured level. In an interactive terminal session, routine `info` lines would land
 * between the answers, so there the default becomes `warn`; an explicit LOG_LEVEL still wins.
 */
export function configureLogging(config: Pick<Config, 'LOG_LEVEL'>, opts: { interactive?: boolean; explicit?: boolean } = {}, logger: Logger = log): void {
  const explicit = opts.explicit ?? (process.env.LOG_LEVEL ?? '').trim() !== '';
  logger.level = opts.interactive && !explicit ? 'warn' : config.LOG_LEVEL;
}
