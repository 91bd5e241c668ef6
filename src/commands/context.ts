import { LRUCache } from 'lru-cache';
import type { App } from '../app.js';
import type { Answer } from '../answer/types.js';
import type { Logger } from '../log.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';
import { RateLimiter } from '../discord/rate-limit.js';
import type { KeyedState } from '../backend/backend.js';

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
  /** Papers whose full text could not be read on demand: not tried again for a day. */
  unreadable: LRUCache<string, true>;
  /** Until when on-demand title lookups on arXiv are skipped (it failed to answer one). */
  arxivQuietUntil: { at: number };
}

/** How long "Show evidence" and search paging keep working after the message. */
const BUTTON_TTL_MS = 24 * 3600_000;

export function createContext(app: App, log: Logger, perMinute: number): BotContext {
  return {
    app,
    log,
    answers: app.backend.keyedState<Answer>('answer', BUTTON_TTL_MS),
    searches: app.backend.keyedState<{ query: string; hits: PaperHit[] }>('search', BUTTON_TTL_MS),
    questions: new RateLimiter(perMinute, 60_000),
    work: new WorkQueue(),
    unreadable: new LRUCache<string, true>({ max: 1000, ttl: 86_400_000 }),
    arxivQuietUntil: { at: 0 },
  };
}
