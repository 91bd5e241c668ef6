/** The clock a queue waits on (a test hands in its own, so nothing depends on the wall clock). */
export interface QueueClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: QueueClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

interface Job {
  run: () => Promise<void>;
  urgent: boolean;
}

/**
 * Requests to one host, one at a time, at least `intervalMs` apart (arXiv asks for one every 3 s).
 * An urgent request (a user waiting for an answer) goes before the background ones still waiting.
 */
export class PoliteQueue {
  private readonly jobs: Job[] = [];
  private running = false;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    readonly intervalMs: number,
    private readonly clock: QueueClock = realClock,
  ) {}

  /** Runs `fn` in its turn; resolves or rejects as it does. */
  run<T>(fn: () => Promise<T>, opts: { urgent?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = { run: () => fn().then(resolve, reject), urgent: !!opts.urgent };
      if (job.urgent) this.jobs.splice(this.jobs.findIndex((j) => !j.urgent) >>> 0, 0, job);
      else this.jobs.push(job);
      void this.drain();
    });
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.jobs.length;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
        const wait = this.last + this.intervalMs - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait);
        this.last = this.clock.now();
        await job.run();
      }
    } finally {
      this.running = false;
    }
  }
}

/** arXiv's one queue in this process: its API, HTML and PDF requests all wait their turn in it. */
export const ARXIV_INTERVAL_MS = 3000;
export const arxivQueue = new PoliteQueue(ARXIV_INTERVAL_MS);
