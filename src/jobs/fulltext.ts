import type { App } from '../app.js';
import type { StoredPaper } from '../library/store.js';
import { findArxivIdByTitle } from '../sources/arxiv.js';
import { readDocument, storeDocument } from './add.js';

/** Papers changed this recently are the ones a sweep looks at (new arrivals, a fresh seed library). */
const RECENT_DAYS = 7;

export interface ReaderOptions {
  /** Full texts read per UTC day at most (FULLTEXT_PER_DAY). */
  perDay: number;
  /** Runs the CPU-bound part (embedding); the bot passes its work queue. */
  work?: <T>(fn: () => Promise<T>) => Promise<T>;
  now?: () => Date;
}

export interface SweepReport {
  read: number;
  /** Papers arXiv had nothing readable for, or whose id could not be found (not tried again by this process). */
  failed: number;
  /** Stopped at the day's cap with papers left. */
  capped: boolean;
}

/**
 * Reads the full text of papers in the background (on the leader): the day's digest papers first,
 * then every paper that arrived or changed in the last week, newest first; a paper without an arXiv
 * id (a seed paper) is looked up by its exact title. At most `perDay` a day, each through arXiv's
 * one polite queue (behind any user who is waiting). A paper that cannot be read is not retried.
 */
export class FullTextReader {
  private readonly first: string[] = [];
  private readonly failed = new Set<string>();
  private day = '';
  private readToday = 0;
  private running?: Promise<SweepReport>;

  constructor(
    private readonly app: App,
    private readonly opts: ReaderOptions,
  ) {}

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
    if (today !== this.day) [this.day, this.readToday] = [today, 0];
    for (const paper of await this.waiting()) {
      if (report.read + report.failed >= max) break;
      if (this.readToday >= this.opts.perDay) {
        report.capped = true;
        break;
      }
      this.readToday++;
      if (await this.read(paper)) report.read++;
      else report.failed++;
    }
    return report;
  }

  /** Papers without a full text, in the order they are read. */
  private async waiting(): Promise<StoredPaper[]> {
    const { store, backend } = this.app;
    const since = new Date((this.opts.now?.() ?? new Date()).getTime() - RECENT_DAYS * 86_400_000).toISOString();
    const recent = (await store.changedSince(since)).sort((a, b) => (b.publishedAt ?? b.updatedAt).localeCompare(a.publishedAt ?? a.updatedAt));
    const first = await store.getMany(this.first);
    const all = [...first, ...recent.filter((p) => !this.first.includes(p.id))].filter((p) => !this.failed.has(p.id));
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
      this.failed.add(paper.id);
      log.warn({ paper: paper.id, err: (err as Error).message }, 'full text not read');
      return false;
    } finally {
      this.first.splice(0, this.first.length, ...this.first.filter((id) => id !== paper.id));
    }
  }
}
