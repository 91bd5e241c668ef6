import type { App } from '../app.js';
import type { StoredPaper } from '../library/store.js';
import { findArxivIdByTitle } from '../sources/arxiv.js';
import { SharedState } from '../db/state.js';
import { readDocument, storeDocument } from './add.js';

/** Papers changed this recently are the ones a sweep looks at (new arrivals, a fresh seed library). */
const RECENT_DAYS = 7;
/** A paper arXiv could not serve is not asked for again for this long (most never get an HTML version). */
const UNREADABLE_TTL_MS = 30 * 86_400_000;
const MAX_UNREADABLE = 5000;

export interface ReaderOptions {
  /** Full texts read per UTC day at most (FULLTEXT_PER_DAY). */
  perDay: number;
  /** Runs the CPU-bound part (embedding); the bot passes its work queue. */
  work?: <T>(fn: () => Promise<T>) => Promise<T>;
  now?: () => Date;
}

export interface SweepReport {
  read: number;
  /** Papers arXiv had nothing readable for, or whose id could not be found (not tried again for 30 days). */
  failed: number;
  /** Stopped at the day's cap with papers left. */
  capped: boolean;
}

/**
 * Reads the full text of papers in the background (on the leader): the day's digest papers first,
 * then every paper that arrived or changed in the last week, newest first; a paper without an arXiv
 * id (a seed paper) is looked up by its exact title. At most `perDay` a day, each through arXiv's
 * one polite queue (behind any user who is waiting). A paper that cannot be read is not retried (for
 * 30 days). The day's count and those papers are kept in the database: a new leader does not start at 0.
 */
export class FullTextReader {
  private readonly first: string[] = [];
  private running?: Promise<SweepReport>;
  /** In the database, so a leader that takes over goes on from them: how many were read per UTC day, and the papers that could not be. */
  private readonly readPerDay: SharedState<number>;
  private readonly unreadable: SharedState<string[]>;

  constructor(
    private readonly app: App,
    private readonly opts: ReaderOptions,
  ) {
    const clock = () => (opts.now?.() ?? new Date()).getTime();
    this.readPerDay = new SharedState<number>(app.db, 'fulltext-day', 2 * 86_400_000, clock);
    this.unreadable = new SharedState<string[]>(app.db, 'fulltext-unreadable', UNREADABLE_TTL_MS, clock);
  }

  /** Papers to read before the others (today's digest). */
  prioritize(paperIds: string[]): void {
    for (const id of [...paperIds].reverse()) if (!this.first.includes(id)) this.first.unshift(id);
  }

  /** One pass over what is waiting, `max` papers at most; a sweep already running is joined, not doubled. */
  sweep(max = 10): Promise<SweepReport> {
    this.running ??= this.pass(max).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(max: number): Promise<SweepReport> {
    const report: SweepReport = { read: 0, failed: 0, capped: false };
    const today = (this.opts.now?.() ?? new Date()).toISOString().slice(0, 10);
    let readToday = (await this.readPerDay.get(today)) ?? 0;
    const failed = (await this.unreadable.get('papers')) ?? [];
    for (const paper of await this.waiting(new Set(failed))) {
      if (report.read + report.failed >= max) break;
      if (readToday >= this.opts.perDay) {
        report.capped = true;
        break;
      }
      await this.readPerDay.set(today, ++readToday);
      if (await this.read(paper)) report.read++;
      else {
        report.failed++;
        await this.unreadable.set('papers', [...failed, paper.id].slice(-MAX_UNREADABLE));
        failed.push(paper.id);
      }
    }
    return report;
  }

  /** Papers without a full text, in the order they are read. */
  private async waiting(failed: ReadonlySet<string>): Promise<StoredPaper[]> {
    const { store, backend } = this.app;
    const since = new Date((this.opts.now?.() ?? new Date()).getTime() - RECENT_DAYS * 86_400_000).toISOString();
    const recent = (await store.changedSince(since)).sort((a, b) => (b.publishedAt ?? b.updatedAt).localeCompare(a.publishedAt ?? a.updatedAt));
    const first = await store.getMany(this.first);
    const all = [...first, ...recent.filter((p) => !this.first.includes(p.id))].filter((p) => !failed.has(p.id));
    const have = await backend.fullTexts.withFullText(all.map((p) => p.id));
    return all.filter((p) => !have.has(p.id));
  }

  private async read(paper: StoredPaper): Promise<boolean> {
    const { config, log } = this.app;
    try {
      const arxivId = paper.arxivId ?? (await findArxivIdByTitle(paper.title, { base: config.ARXIV_API_BASE, timeoutMs: config.SOURCE_TIMEOUT_MS }));
      if (!arxivId) throw new Error('no arXiv paper has this title');
      const doc = await readDocument(this.app, arxivId);
      const added = await (this.opts.work ?? ((fn) => fn()))(() => storeDocument(this.app, doc));
      log.info({ paper: paper.id, passages: added.passages }, 'full text read');
      return true;
    } catch (err) {
      log.warn({ paper: paper.id, err: (err as Error).message }, 'full text not read');
      return false;
    } finally {
      this.first.splice(0, this.first.length, ...this.first.filter((id) => id !== paper.id));
    }
  }
}
