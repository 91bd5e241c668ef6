import { createHash } from 'node:crypto';
import type { Db } from '../db/db.js';
import type { FullText } from '../paper/paper.js';
import { type BodyIndex, type BodySearch, decodeVectors, encodeVectors, type FullTextRecord, type FullTextSource } from '../retrieval/body/body-retriever.js';
import { bodyPassages } from '../retrieval/body/passages.js';

interface Row {
  paper_id: string;
  source_key: string;
  content_hash: string;
  body: string;
  model: string;
  vectors: string;
  url: string | null;
}

/** Hash of a parsed body: what decides whether its passages must be embedded again. */
export function bodyHash(body: FullText): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
}

/**
 * Papers' full texts in the library's database (SQLite or PostgreSQL: the same table, migration 10),
 * with, on PostgreSQL, an index of every passage written in the same transaction as the text.
 */
export class FullTextStore implements FullTextSource {
  constructor(
    private readonly db: Db,
    private readonly index?: BodyIndex,
  ) {}

  get search(): BodySearch | undefined {
    return this.index;
  }

  async load(paperId: string): Promise<FullTextRecord | undefined> {
    const r = await this.db.get<Row>('SELECT * FROM full_texts WHERE paper_id = ?', [paperId]);
    if (!r) return undefined;
    return {
      paperId: r.paper_id,
      sourceKey: r.source_key,
      contentHash: r.content_hash,
      body: JSON.parse(r.body) as FullText,
      model: r.model,
      vectors: decodeVectors(r.vectors),
      ...(r.url ? { url: r.url } : {}),
    };
  }

  /** What is stored for a paper, without its body: enough to tell whether a document was read already. */
  async key(paperId: string): Promise<{ sourceKey: string; contentHash: string; model: string } | undefined> {
    const r = await this.db.get<Pick<Row, 'source_key' | 'content_hash' | 'model'>>(
      'SELECT source_key, content_hash, model FROM full_texts WHERE paper_id = ?',
      [paperId],
    );
    return r && { sourceKey: r.source_key, contentHash: r.content_hash, model: r.model };
  }

  async withFullText(paperIds: string[]): Promise<Set<string>> {
    if (paperIds.length === 0) return new Set();
    const rows = await this.db.all<{ paper_id: string }>(`SELECT paper_id FROM full_texts WHERE paper_id IN (${paperIds.map(() => '?').join(', ')})`, paperIds);
    return new Set(rows.map((r) => r.paper_id));
  }

  async paperIds(limit: number): Promise<string[]> {
    const rows = await this.db.all<{ paper_id: string }>('SELECT paper_id FROM full_texts ORDER BY paper_id LIMIT ?', [limit]);
    return rows.map((r) => r.paper_id);
  }

  async count(): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT CAST(count(*) AS INTEGER) AS n FROM full_texts'))!.n;
  }

  /** Stores (or replaces) a paper's full text and its passage vectors, with its passages' index, in one transaction. */
  async put(r: Omit<FullTextRecord, 'vectors'> & { vectors: number[][] }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO full_texts (paper_id, source_key, content_hash, body, model, vectors, url, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (paper_id) DO UPDATE SET source_key = excluded.source_key, content_hash = excluded.content_hash, body = excluded.body,
         model = excluded.model, vectors = excluded.vectors, url = excluded.url, fetched_at = excluded.fetched_at`,
        [r.paperId, r.sourceKey, r.contentHash, JSON.stringify(r.body), r.model, encodeVectors(r.vectors), r.url ?? null, new Date().toISOString()],
      );
      const entry = { paperId: r.paperId, contentHash: r.contentHash, model: r.model, passages: bodyPassages(r.paperId, r.body), vectors: r.vectors };
      await this.index?.write(tx, entry);
    });
  }

  /** Indexes the full texts the index lacks at their current content (stored before it existed); returns how many. */
  async reindex(): Promise<number> {
    if (!this.index) return 0;
    let done = 0;
    for (const id of await this.index.stale()) {
      const r = await this.load(id);
      if (!r) continue;
      const entry = { paperId: id, contentHash: r.contentHash, model: r.model, passages: bodyPassages(id, r.body), vectors: r.vectors };
      await this.db.transaction((tx) => this.index!.write(tx, entry));
      done++;
    }
    return done;
  }
}
