import { LRUCache } from 'lru-cache';
import type { PaperCatalog } from '../retrieval/catalog.js';
import type { RetrievablePaper } from '../paper/paper.js';
import type { PaperStore } from './store.js';

/**
 * The retriever's papers read from the shared database, a few per question, with a short-lived
 * cache (a paper another process changes is seen within `ttlMs`). Memory stays flat whatever the
 * size of the library.
 */
export class StoreCatalog implements PaperCatalog {
  private readonly cache: LRUCache<string, RetrievablePaper>;

  constructor(
    private readonly store: PaperStore,
    opts: { max?: number; ttlMs?: number } = {},
  ) {
    this.cache = new LRUCache({ max: opts.max ?? 2000, ttl: opts.ttlMs ?? 5000 });
  }

  /** Ingest writes a paper's row before its vectors, in the same database: a vector's paper is always there. */
  has(): boolean {
    return true;
  }

  count(): Promise<number> {
    return this.store.count();
  }

  async get(ids: string[]): Promise<Map<string, RetrievablePaper>> {
    const out = new Map<string, RetrievablePaper>();
    const missing: string[] = [];
    for (const id of ids) {
      const p = this.cache.get(id);
      if (p) out.set(id, p);
      else missing.push(id);
    }
    for (const p of await this.store.getMany(missing)) {
      this.cache.set(p.id, p);
      out.set(p.id, p);
    }
    return out;
  }

  matchTitles(words: string[], limit: number): Promise<RetrievablePaper[]> {
    return this.store.matchTitles(words, limit);
  }

  ids(): Promise<string[]> {
    return this.store.ids();
  }
}
