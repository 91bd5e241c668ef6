import type { App } from '../app.js';
import type { Answer } from '../answer/types.js';
import type { Logger } from '../log.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';
import { RateLimiter } from './rate-limit.js';

/** A small least-recently-used map (button state, answer evidence). */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

/**
 * Runs CPU-bound work (embedding, retrieval, composing) one job at a time, yielding to the event
 * loop before each job, so a burst of interactions gets every deferred acknowledgement out first
 * instead of behind other users' answers (Discord drops an interaction not acknowledged in 3 s).
 */
export class WorkQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(() => new Promise<void>((r) => setImmediate(r))).then(job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** What a command handler may touch: the app (library, retriever, chain) and the bot's own state. */
export interface BotContext {
  app: App;
  log: Logger;
  /** Answers by key, for the "Show evidence" button. */
  answers: Lru<Answer>;
  /** Search results by key, for paging. */
  searches: Lru<{ query: string; hits: PaperHit[] }>;
  questions: RateLimiter;
  /** Where answers and searches are computed (see WorkQueue). */
  work: WorkQueue;
}

export function createContext(app: App, log: Logger, perMinute: number): BotContext {
  return { app, log, answers: new Lru(2000), searches: new Lru(2000), questions: new RateLimiter(perMinute, 60_000), work: new WorkQueue() };
}
