import type { Worker } from 'node:worker_threads';

/**
 * Sends one job to a worker thread and waits for its one reply: `{ error }` rejects, anything else
 * resolves with `pick(reply)`. A worker that fails or exits before replying (killed, out of memory)
 * rejects too, so a bulk embedding never waits forever. The worker holds the process open only while
 * a job is in flight.
 */
export function runJob<R, T>(w: Worker, message: unknown, pick: (reply: R) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    w.ref();
    const done = () => {
      w.unref();
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`worker thread exited (code ${code}) before finishing its job`));
    };
    const onMessage = (reply: R & { error?: string }) => {
      done();
      if (reply.error) reject(new Error(reply.error));
      else resolve(pick(reply));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(message);
  });
}

/**
 * Worker threads for bulk embedding: started on first use, pulling batches from one queue so every
 * core stays busy to the end, stopped after `idleMs` without work (each holds its own model copy),
 * and thrown away after a failure (the next call starts fresh ones). unref'd: they never hold the
 * process open on their own.
 */
export class WorkerPool {
  private workers?: Worker[];
  private idleTimer?: NodeJS.Timeout;
  /** Runs go one after another: a worker takes one job at a time, and replies carry no job id. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly size: number,
    private readonly start: () => Worker,
    private readonly idleMs: number,
  ) {}

  /**
   * Runs every job (in any order, across the workers); results in job order. Overlapping calls wait
   * their turn. After a failure no new job is handed out, the jobs in flight on other workers are let
   * finish (terminating a thread in the middle of onnxruntime's native code can abort the whole
   * process), then the pool is disposed and the first error thrown.
   */
  run<R, T>(jobs: unknown[], pick: (reply: R) => T): Promise<T[]> {
    const turn = this.tail.then(() => this.runNow(jobs, pick));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async runNow<R, T>(jobs: unknown[], pick: (reply: R) => T): Promise<T[]> {
    const results: T[] = new Array(jobs.length);
    let next = 0;
    clearTimeout(this.idleTimer);
    const lanes = await Promise.allSettled(
      this.pool().map(async (w) => {
        while (next < jobs.length) {
          const i = next++;
          try {
            results[i] = await runJob(w, jobs[i], pick);
          } catch (err) {
            next = jobs.length; // stop handing out work
            throw err;
          }
        }
      }),
    );
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) {
      await this.dispose();
      throw failed.reason;
    }
    this.idleTimer = setTimeout(() => void this.dispose(), this.idleMs);
    this.idleTimer.unref();
    return results;
  }

  private pool(): Worker[] {
    this.workers ??= Array.from({ length: this.size }, () => {
      const w = this.start();
      w.unref();
      return w;
    });
    return this.workers;
  }

  /** Stops the workers; the next run starts new ones. */
  async dispose(): Promise<void> {
    clearTimeout(this.idleTimer);
    const ws = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(ws.map((w) => w.terminate()));
  }

  /** The workers themselves (tests: to kill one mid-job). */
  get threads(): readonly Worker[] {
    return this.workers ?? [];
  }
}
