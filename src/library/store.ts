import type { Db } from '../db/db.js';
import { contentHash, normaliseTitle, type Paper } from '../paper/paper.js';

export interface StoredPaper extends Paper {
  contentHash: string;
  addedAt: string;
  /** When it was last written (added or changed). */
  updatedAt: string;
}

export interface UpsertResult {
  added: string[];
  changed: string[];
  unchanged: string[];
}

const COLUMNS =
  'id, title, abstract, url, links, source, source_order, arxiv_id, upvotes, ai_summary, thumbnail, published_at, norm_title, content_hash, added_at, updated_at, authors, categories';

/**
 * The paper library, in the database (the SQLite file under DATA_DIR, or the shared PostgreSQL).
 * Its schema, and that of the digest and topic tables beside it, comes from the versioned
 * migrations applied when the database is opened (db/migrations.ts).
 */
export class PaperStore {
  constructor(readonly db: Db) {}

  async count(): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT CAST(count(*) AS INTEGER) AS n FROM papers'))!.n;
  }

  async all(): Promise<StoredPaper[]> {
    return (await this.db.all<Row>(`SELECT ${COLUMNS} FROM papers ORDER BY source, source_order, added_at, id`)).map(fromRow);
  }

  /**
   * Papers added or changed at or after `since` (an updatedAt of an earlier answer), oldest change
   * first: how a process follows a library that other processes write to.
   */
  async changedSince(since: string): Promise<StoredPaper[]> {
    return (await this.db.all<Row>(`SELECT ${COLUMNS} FROM papers WHERE updated_at >= ? ORDER BY updated_at, id`, [since])).map(fromRow);
  }

  async get(id: string): Promise<StoredPaper | undefined> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM papers WHERE id = ?`, [id]);
    return row && fromRow(row);
  }

  async getMany(ids: string[]): Promise<StoredPaper[]> {
    const out: StoredPaper[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      if (slice.length)
        out.push(...(await this.db.all<Row>(`SELECT ${COLUMNS} FROM papers WHERE id IN (${slice.map(() => '?').join(',')})`, slice)).map(fromRow));
    }
    return out;
  }

  /** Papers by arXiv id, for many ids at once. */
  async byArxivIds(ids: string[]): Promise<Map<string, StoredPaper>> {
    return this.manyBy('arxiv_id', ids, (p) => p.arxivId);
  }

  /** Papers by normalised title, for many titles at once. */
  async byNormTitles(titles: string[]): Promise<Map<string, StoredPaper>> {
    return this.manyBy('norm_title', titles, (p) => normaliseTitle(p.title));
  }

  private async manyBy(column: 'arxiv_id' | 'norm_title', values: string[], key: (p: StoredPaper) => string | undefined): Promise<Map<string, StoredPaper>> {
    const out = new Map<string, StoredPaper>();
    const unique = [...new Set(values)];
    for (let i = 0; i < unique.length; i += 500) {
      const slice = unique.slice(i, i + 500);
      for (const r of await this.db.all<Row>(`SELECT ${COLUMNS} FROM papers WHERE ${column} IN (${slice.map(() => '?').join(',')})`, slice)) {
        const p = fromRow(r);
        const k = key(p);
        if (k && !out.has(k)) out.set(k, p);
      }
    }
    return out;
  }

  /** id → content hash of every paper (what ingest compares with the indexes, without loading papers). */
  async hashes(): Promise<Map<string, string>> {
    return new Map((await this.db.all<{ id: string; content_hash: string }>('SELECT id, content_hash FROM papers')).map((r) => [r.id, r.content_hash]));
  }

  /** Every id, in library order. */
  async ids(): Promise<string[]> {
    return (await this.db.all<{ id: string }>('SELECT id FROM papers ORDER BY source, source_order, added_at, id')).map((r) => r.id);
  }

  /** Papers whose normalised title has every word (the last one as a word prefix), in library order. */
  async matchTitles(words: string[], limit: number): Promise<StoredPaper[]> {
    const like = (w: string) => w.replace(/[\\%_]/g, (c) => `\\${c}`);
    const where = words.map((_w, i) => (i === words.length - 1 ? `' ' || norm_title LIKE ? ESCAPE '\\'` : `' ' || norm_title || ' ' LIKE ? ESCAPE '\\'`));
    const params = words.map((w, i) => (i === words.length - 1 ? `% ${like(w)}%` : `% ${like(w)} %`));
    return (
      await this.db.all<Row>(
        `SELECT ${COLUMNS} FROM papers ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY source, source_order, added_at, id LIMIT ?`,
        [...params, limit],
      )
    ).map(fromRow);
  }

  async byArxivId(arxivId: string): Promise<StoredPaper | undefined> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM papers WHERE arxiv_id = ?`, [arxivId]);
    return row && fromRow(row);
  }

  /** Papers on the Hugging Face daily page of a day (seed papers seen there too), most upvoted first. */
  async hfDay(day: string): Promise<StoredPaper[]> {
    return (
      await this.db.all<Row>(
        `SELECT ${COLUMNS} FROM papers WHERE url LIKE 'https://huggingface.co/papers/%' AND substr(published_at, 1, 10) = ? ORDER BY coalesce(upvotes, -1) DESC, source_order`,
        [day],
      )
    ).map(fromRow);
  }

  /** A paper already known under another identity (e.g. seed slug vs arXiv id), by normalised title. */
  async findByTitle(title: string): Promise<StoredPaper | undefined> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM papers WHERE norm_title = ?`, [normaliseTitle(title)]);
    return row && fromRow(row);
  }

  /**
   * Inserts new papers and updates changed ones in one transaction: either every paper of a batch
   * is stored or none is. Unchanged papers (same content hash and metadata) are not written.
   * Written papers get a new updated_at, so processes following the library pick them up.
   */
  async upsert(papers: Paper[]): Promise<UpsertResult> {
    const result: UpsertResult = { added: [], changed: [], unchanged: [] };
    const now = new Date().toISOString();
    await this.db.transaction(async (tx) => {
      const old = new Map<string, Row>();
      const ids = [...new Set(papers.map((p) => p.id))];
      for (let i = 0; i < ids.length; i += 500) {
        const slice = ids.slice(i, i + 500);
        for (const r of await tx.all<Row>(`SELECT ${COLUMNS} FROM papers WHERE id IN (${slice.map(() => '?').join(',')})`, slice)) old.set(r.id, r);
      }
      const writes = new Map<string, Row>();
      for (const p of papers) {
        const row = toRow(p, now);
        const before = writes.get(p.id) ?? old.get(p.id);
        if (before && sameRow(before, row)) {
          if (!writes.has(p.id)) result.unchanged.push(p.id);
          continue;
        }
        if (!writes.has(p.id)) (old.has(p.id) ? result.changed : result.added).push(p.id);
        writes.set(p.id, row);
      }
      // Many rows per statement: a round trip per paper made bulk loads slow on PostgreSQL.
      const rows = [...writes.values()];
      for (let i = 0; i < rows.length; i += 200) {
        const slice = rows.slice(i, i + 200);
        await tx.run(
          `INSERT INTO papers (${COLUMNS}) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT(id) DO UPDATE SET title = excluded.title, abstract = excluded.abstract, url = excluded.url,
             links = excluded.links, source = excluded.source, source_order = excluded.source_order,
             arxiv_id = excluded.arxiv_id, upvotes = excluded.upvotes, ai_summary = excluded.ai_summary, thumbnail = excluded.thumbnail,
             published_at = excluded.published_at, norm_title = excluded.norm_title,
             content_hash = excluded.content_hash, updated_at = excluded.updated_at, authors = excluded.authors,
             categories = coalesce(excluded.categories, papers.categories)`,
          slice.flatMap((r) => [
            r.id,
            r.title,
            r.abstract,
            r.url,
            r.links,
            r.source,
            r.source_order,
            r.arxiv_id,
            r.upvotes,
            r.ai_summary,
            r.thumbnail,
            r.published_at,
            r.norm_title,
            r.content_hash,
            r.added_at,
            r.updated_at,
            r.authors,
            r.categories,
          ]),
        );
      }
    });
    return result;
  }

  /** Papers' arXiv categories looked up after ingest (not part of the content hash: nothing is re-embedded). */
  async setCategories(categories: Map<string, string[]>): Promise<void> {
    for (const [id, cats] of categories) await this.db.run('UPDATE papers SET categories = ? WHERE id = ?', [JSON.stringify(cats), id]);
  }

  async close(): Promise<void> {
    await this.db.close();
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
  updated_at: string | null;
  /** JSON array of names, or null. */
  authors: string | null;
  /** JSON array of arXiv categories, or null. */
  categories: string | null;
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
  'authors',
  'categories',
];

/** Does the new row change nothing? Categories a source does not give (Hugging Face) keep those looked up before. */
function sameRow(before: Row, row: Row): boolean {
  return COMPARED.every((k) => (k === 'categories' && row.categories === null) || (before[k] ?? null) === (row[k] ?? null));
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
    updated_at: now,
    authors: p.authors?.length ? JSON.stringify(p.authors) : null,
    categories: p.categories?.length ? JSON.stringify(p.categories) : null,
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
    updatedAt: r.updated_at ?? r.added_at,
  };
  if (r.url) p.url = r.url;
  if (r.source_order !== null) p.sourceOrder = r.source_order;
  if (r.arxiv_id) p.arxivId = r.arxiv_id;
  if (r.upvotes !== null) p.upvotes = r.upvotes;
  if (r.ai_summary) p.aiSummary = r.ai_summary;
  if (r.thumbnail) p.thumbnail = r.thumbnail;
  if (r.published_at) p.publishedAt = r.published_at;
  if (r.authors) p.authors = JSON.parse(r.authors) as string[];
  if (r.categories) p.categories = JSON.parse(r.categories) as string[];
  return p;
}
