import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import { contentHash, normaliseTitle, type Paper } from './paper.js';

export interface StoredPaper extends Paper {
  contentHash: string;
  addedAt: string;
}

export interface UpsertResult {
  added: string[];
  changed: string[];
  unchanged: string[];
}

/**
 * The paper library: one SQLite file under DATA_DIR (WAL journal, so a crash mid-write leaves
 * the last committed state). Its schema, and that of the digest and topic tables in the same file,
 * comes from the versioned migrations applied when it is opened (migrations.ts).
 */
export class PaperStore {
  readonly db: Database.Database;

  constructor(dataDir: string, file = 'paperbot.db') {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, file));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  }

  all(): StoredPaper[] {
    return (this.db.prepare('SELECT * FROM papers ORDER BY source, source_order, added_at, id').all() as Row[]).map(fromRow);
  }

  get(id: string): StoredPaper | undefined {
    const row = this.db.prepare('SELECT * FROM papers WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  byArxivId(arxivId: string): StoredPaper | undefined {
    const row = this.db.prepare('SELECT * FROM papers WHERE arxiv_id = ?').get(arxivId) as Row | undefined;
    return row && fromRow(row);
  }

  /** Papers on the Hugging Face daily page of a day (seed papers seen there too), most upvoted first. */
  hfDay(day: string): StoredPaper[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM papers WHERE url LIKE 'https://huggingface.co/papers/%' AND substr(published_at, 1, 10) = ? ORDER BY coalesce(upvotes, -1) DESC, source_order",
        )
        .all(day) as Row[]
    ).map(fromRow);
  }

  /** A paper already known under another identity (e.g. seed slug vs arXiv id), by normalised title. */
  findByTitle(title: string): StoredPaper | undefined {
    const row = this.db.prepare('SELECT * FROM papers WHERE norm_title = ?').get(normaliseTitle(title)) as Row | undefined;
    return row && fromRow(row);
  }

  /**
   * Inserts new papers and updates changed ones in one transaction: either every paper of a batch
   * is stored or none is. Unchanged papers (same content hash and metadata) are not written.
   */
  upsert(papers: Paper[]): UpsertResult {
    const result: UpsertResult = { added: [], changed: [], unchanged: [] };
    const now = new Date().toISOString();
    const select = this.db.prepare('SELECT * FROM papers WHERE id = ?');
    const write = this.db.prepare(`
      INSERT INTO papers (id, title, abstract, url, links, source, source_order, arxiv_id, upvotes, ai_summary,
                          thumbnail, published_at, norm_title, content_hash, added_at)
      VALUES (@id, @title, @abstract, @url, @links, @source, @source_order, @arxiv_id, @upvotes, @ai_summary,
              @thumbnail, @published_at, @norm_title, @content_hash, @added_at)
      ON CONFLICT(id) DO UPDATE SET title = excluded.title, abstract = excluded.abstract, url = excluded.url,
        links = excluded.links, source = excluded.source, source_order = excluded.source_order,
        arxiv_id = excluded.arxiv_id, upvotes = excluded.upvotes, ai_summary = excluded.ai_summary, thumbnail = excluded.thumbnail,
        published_at = excluded.published_at, norm_title = excluded.norm_title,
        content_hash = excluded.content_hash`);
    this.db.transaction(() => {
      for (const p of papers) {
        const row = toRow(p, now);
        const old = select.get(p.id) as Row | undefined;
        if (!old) {
          write.run(row);
          result.added.push(p.id);
        } else if (sameRow(old, row)) {
          result.unchanged.push(p.id);
        } else {
          write.run(row);
          result.changed.push(p.id);
        }
      }
    })();
    return result;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface Row {
  id: string;
  title: string;
  abstract: string;
  url: string | null;
  links: string;
  source: string;
  source_order: number | null;
  arxiv_id: string | null;
  upvotes: number | null;
  ai_summary: string | null;
  thumbnail: string | null;
  published_at: string | null;
  norm_title: string;
  content_hash: string;
  added_at: string;
}

const COMPARED: (keyof Row)[] = [
  'title',
  'abstract',
  'url',
  'links',
  'source',
  'source_order',
  'arxiv_id',
  'upvotes',
  'ai_summary',
  'thumbnail',
  'published_at',
];

function sameRow(a: Row, b: Row): boolean {
  return COMPARED.every((k) => (a[k] ?? null) === (b[k] ?? null));
}

function toRow(p: Paper, now: string): Row {
  return {
    id: p.id,
    title: p.title,
    abstract: p.abstract,
    url: p.url ?? null,
    links: JSON.stringify(p.links),
    source: p.source,
    source_order: p.sourceOrder ?? null,
    arxiv_id: p.arxivId ?? null,
    upvotes: p.upvotes ?? null,
    ai_summary: p.aiSummary ?? null,
    thumbnail: p.thumbnail ?? null,
    published_at: p.publishedAt ?? null,
    norm_title: normaliseTitle(p.title),
    content_hash: contentHash(p),
    added_at: now,
  };
}

function fromRow(r: Row): StoredPaper {
  const p: StoredPaper = {
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    links: JSON.parse(r.links) as string[],
    source: r.source,
    contentHash: r.content_hash,
    addedAt: r.added_at,
  };
  if (r.url) p.url = r.url;
  if (r.source_order !== null) p.sourceOrder = r.source_order;
  if (r.arxiv_id) p.arxivId = r.arxiv_id;
  if (r.upvotes !== null) p.upvotes = r.upvotes;
  if (r.ai_summary) p.aiSummary = r.ai_summary;
  if (r.thumbnail) p.thumbnail = r.thumbnail;
  if (r.published_at) p.publishedAt = r.published_at;
  return p;
}
