import type { StoredPaper } from './store.js';
import type { PaperStore } from './store.js';

/**
 * Keeps a process's in-memory view of the library (its retriever) in step with a shared database
 * that other processes write to: every `everyMs` it asks for papers written since the newest change
 * it has seen and hands the new or changed ones to `onPapers`. Their vectors are already in the
 * shared vector table (ingest writes them right after the papers), so they are searchable at once.
 */
export class LibraryFollower {
  private cursor: string;
  /** id → updatedAt of the version this process holds. */
  private readonly versions = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly store: PaperStore,
    known: StoredPaper[],
    private readonly onPapers: (papers: StoredPaper[]) => void,
    private readonly opts: { everyMs?: number; onError?: (err: Error) => void } = {},
  ) {
    for (const p of known) this.versions.set(p.id, p.updatedAt);
    this.cursor =
      known
        .map((p) => p.updatedAt)
        .sort()
        .at(-1) ?? '';
  }

  start(): this {
    this.timer = setInterval(() => void this.poll(), this.opts.everyMs ?? 2000);
    this.timer.unref();
    return this;
  }

  /** One look for changes; returns how many papers were new or changed. */
  async poll(): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    try {
      // `>=` the last stamp: a paper written in the same millisecond as the last one seen is not missed.
      const changed = (await this.store.changedSince(this.cursor)).filter((p) => this.versions.get(p.id) !== p.updatedAt);
      for (const p of changed) {
        this.versions.set(p.id, p.updatedAt);
        if (p.updatedAt > this.cursor) this.cursor = p.updatedAt;
      }
      if (changed.length) this.onPapers(changed);
      return changed.length;
    } catch (err) {
      this.opts.onError?.(err as Error);
      return 0;
    } finally {
      this.busy = false;
    }
  }

  /** Papers this process wrote itself (its own ingest) need no second look. */
  saw(papers: StoredPaper[]): void {
    for (const p of papers) this.versions.set(p.id, p.updatedAt);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
