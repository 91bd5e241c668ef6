import pino from 'pino';

/**
 * One logger for the process. Logs go to stderr so that stdout stays clean for `--json` output.
 * Anything that looks like a secret is redacted by key name.
 */
export const log = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['token', '*.token', 'apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
  },
  pino.destination({ dest: 2, sync: true }),
);

export type Logger = typeof log;
