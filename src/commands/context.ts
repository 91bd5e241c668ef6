import type { App } from '../app.js';
import type { Answer } from '../answer/types.js';
import type { Logger } from '../log.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';
import { LRUCache } from 'lru-cache';
import { RateLimiter } from '../discord/rate-limit.js';
import { SharedState } from '../db/state.js';

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
  answers: KeyedState<Answer>;
  /** Search results by key, for paging. */
  searches: KeyedState<{ query: string; hits: PaperHit[] }>;
  questions: RateLimiter;
  /** Where answers and searches are computed (see WorkQueue). */
  work: WorkQueue;
}

/** Button state by key: in this process (LRU), or in the shared database so any shard can serve the click. */
export interface KeyedState<T> {
  get(key: string): T | undefined | Promise<T | undefined>;
  set(key: string, value: T): unknown;
}

/** How long "Show evidence" and search paging keep working after the message. */
const BUTTON_TTL_MS = 24 * 3600_000;

export function createContext(app: App, log: Logger, perMinute: number): BotContext {
  const shared = app.db.dialect === 'postgres';
  return {
    app,
    log,
    answers: shared ? new SharedState<Answer>(app.db, 'answer', BUTTON_TTL_MS) : new LRUCache({ max: 2000 }),
    searches: shared ? new SharedState<{ query: string; hits: PaperHit[] }>(app.db, 'search', BUTTON_TTL_MS) : new LRUCache({ max: 2000 }),
    questions: new RateLimiter(perMinute, 60_000),
    work: new WorkQueue(),
  };
}
