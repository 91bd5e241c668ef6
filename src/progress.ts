import cliProgress from 'cli-progress';
import type { Logger } from './log.js';

export interface Progress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
}

/** A progress bar on a terminal (cli-progress); plain log lines every 10 % when not a TTY. */
export function createProgress(label: string, log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} passages | {percentage}% | eta {eta}s`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    return { start: (t) => bar.start(t, 0), update: (d) => bar.update(d), stop: () => bar.stop() };
  }
  let total = 0;
  let lastDecile = -1;
  return {
    start(t) {
      total = t;
      log.info(`${label}: 0/${t} passages`);
    },
    update(done) {
      const decile = Math.floor((done / Math.max(1, total)) * 10);
      if (decile > lastDecile && done < total) {
        lastDecile = decile;
        log.info(`${label}: ${done}/${total} passages (${decile * 10}%)`);
      }
    },
    stop() {
      log.info(`${label}: done`);
    },
  };
}

/** For library callers and tests: no output at all. */
export const silentProgress: Progress = { start() {}, update() {}, stop() {} };

/** Download progress in bytes: a bar on a terminal, a log line every 25 % otherwise. */
export function createByteProgress(
  label: string,
  log: Logger,
  stream: NodeJS.WriteStream = process.stderr,
): { update: (received: number, total: number) => void; stop: () => void } {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {got}/{all} MB`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(received, total) {
        if (!started) bar.start(total || 1, 0, { got: '0', all: mb(total) });
        started = true;
        bar.setTotal(total || received);
        bar.update(received, { got: mb(received), all: mb(total) });
      },
      stop: () => bar.stop(),
    };
  }
  let lastQuarter = 0;
  return {
    update(received, total) {
      const q = total ? Math.floor((received / total) * 4) : 0;
      if (q > lastQuarter) {
        lastQuarter = q;
        log.info(`${label}: ${mb(received)}/${mb(total)} MB`);
      }
    },
    stop() {},
  };
}
