import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Db } from '../../db/db.js';
import { inTransaction } from '../../db/postgres.js';
import { DEFAULT_LEXICAL, saturation } from '../lexical/lexical.js';
import { terms } from '../text.js';
import { HNSW, hnswKind, type HnswKind, indexed } from '../vectors/pg-vector-store.js';
import type { BodyIndex, BodyIndexEntry } from './body-retriever.js';
import { passageWords } from './passages.js';

/** Passages each of the two searches (nearest vectors, BM25) hands on before they are fused per paper. */
const PER_SEARCH = 60;
/** Postings a question reads per term, those with the highest impact (as the papers' BM25 does). */
const POSTINGS_PER_TERM = 2000;
const { k1, b } = DEFAULT_LEXICAL;

/** One table per encoder for the passages' vectors (two models' vectors are not comparable). */
export function bodyVectorTable(modelId: string): string {
  return `body_vectors_${createHash('sha256').update(modelId).digest('hex').slice(0, 10)}`;
}

/**
 * Full-text passages searched in PostgreSQL, for a question about no particular paper over any number
 * of full texts: the nearest passage vectors through an HNSW index (pgvector, float2 copies as for the
 * abstracts) and BM25 over the passages' postings (migration 14), fused per paper. Written in the
 * same transaction as the full text itself (FullTextStore.put), so a paper's text and its index never
 * disagree; every process and shard reads the same index.
 */
export class PgBodyIndex implements BodyIndex {
  private avg: { at: number; words: number; docs: number } | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    readonly table: string,
    private readonly dimensions: number,
    private readonly hnsw: HnswKind,
    private readonly modelId: string,
  ) {}

  /** Opens (creating if needed) the encoder's passage-vector table and its HNSW index. */
  static async open(pool: pg.Pool, modelId: string, dimensions: number): Promise<PgBodyIndex> {
    const table = bodyVectorTable(modelId);
    const kind = await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(7245005)'); // shards starting together create it once
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${table} (paper_id TEXT NOT NULL, n INTEGER NOT NULL, embedding vector(${dimensions}) NOT NULL, PRIMARY KEY (paper_id, n))`,
      );
      const version = (await client.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'")).rows[0]!.v;
      const kind = hnswKind(version);
      await buildIndex(client, table, kind, dimensions);
      return kind;
    });
    return new PgBodyIndex(pool, table, dimensions, kind, modelId);
  }

  /** Replaces a paper's passages in the index, inside the caller's transaction (the full text's own). */
  async write(tx: Db, entry: BodyIndexEntry): Promise<void> {
    const { paperId, passages, vectors } = entry;
    // One writer per paper at a time: the per-term counts are moved by exactly this paper's postings.
    await tx.get('SELECT pg_advisory_xact_lock(7245004, hashtext(?))', [paperId]);
    await tx.run(
      `UPDATE body_terms t SET passages = t.passages - o.c, papers = t.papers - 1
       FROM (SELECT term, count(*) AS c FROM body_postings WHERE paper_id = ? GROUP BY term ORDER BY term) o WHERE t.term = o.term`,
      [paperId],
    );
    await tx.run('DELETE FROM body_postings WHERE paper_id = ?', [paperId]);
    await tx.run(`DELETE FROM ${this.table} WHERE paper_id = ?`, [paperId]);
    const rows = passages.map((p) => terms(passageWords(p)));
    const words = rows.reduce((s, r) => s + r.length, 0);
    const avg = Math.max(1, words / Math.max(1, rows.length));
    const postings = rows.flatMap((ts, n) => [...tally(ts)].map(([term, tf]) => [term, n, tf, ts.length, saturation(tf, ts.length, avg, k1, b)]));
    await tx.run(
      `INSERT INTO body_postings (term, paper_id, n, tf, len, impact)
       SELECT e->>0, ?, (e->>1)::int, (e->>2)::smallint, (e->>3)::int, (e->>4)::real FROM json_array_elements(?::json) e`,
      [paperId, JSON.stringify(postings)],
    );
    const df = [...tally(rows.flatMap((ts) => [...new Set(ts)]))].sort(([a], [b]) => (a < b ? -1 : 1));
    await tx.run(
      `INSERT INTO body_terms (term, passages, papers) SELECT e->>0, (e->>1)::int, 1 FROM json_array_elements(?::json) e
       ON CONFLICT (term) DO UPDATE SET passages = body_terms.passages + excluded.passages, papers = body_terms.papers + 1`,
      [JSON.stringify(df)],
    );
    if (vectors.length === passages.length && entry.model === this.modelId) {
      await tx.run(
        `INSERT INTO ${this.table} (paper_id, n, embedding) SELECT ?, (e->>0)::int, (e->>1)::vector(${this.dimensions}) FROM json_array_elements(?::json) e`,
        [paperId, JSON.stringify(vectors.map((v, n) => [n, `[${Array.from(v).join(',')}]`]))],
      );
    }
    await tx.run(
      `INSERT INTO body_docs (paper_id, hash, passages, words) VALUES (?, ?, ?, ?)
       ON CONFLICT (paper_id) DO UPDATE SET hash = excluded.hash, passages = excluded.passages, words = excluded.words`,
      [paperId, indexedHash(entry.contentHash, entry.model), passages.length, words],
    );
  }

  /** Full texts not indexed at their current content and encoder (stored before migration 14, or re-read): their ids. */
  async stale(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT f.paper_id AS id FROM full_texts f LEFT JOIN body_docs d ON d.paper_id = f.paper_id
       WHERE d.hash IS DISTINCT FROM f.content_hash || ':' || f.model || ':' || $1 ORDER BY f.paper_id`,
      [String(POSTINGS_VERSION)],
    );
    return rows.map((r) => r.id);
  }

  /** The papers whose passages best match the question, best first: nearest passages and BM25's best passages, fused. */
  async candidates(question: string, vector: number[], papers: number): Promise<string[]> {
    const [dense, lexical] = await Promise.all([this.nearest(vector), this.bm25(question)]);
    const best = new Map<string, number>();
    const top = Math.max(...lexical.map((r) => r.score), 1e-9);
    const fused = new Map<string, number>();
    for (const r of dense) fused.set(`${r.paper_id}#${r.n}`, r.sim);
    for (const r of lexical) fused.set(`${r.paper_id}#${r.n}`, (fused.get(`${r.paper_id}#${r.n}`) ?? 0) + r.score / top);
    for (const [key, score] of fused) {
      const id = key.slice(0, key.lastIndexOf('#'));
      best.set(id, Math.max(best.get(id) ?? 0, score));
    }
    return [...best]
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .slice(0, papers)
      .map(([id]) => id);
  }

  /** How many indexed full texts hold each term, and how many there are. */
  async paperFrequencies(list: string[]): Promise<{ docs: number; df: Map<string, number> }> {
    const [{ docs }, { rows }] = await Promise.all([
      this.corpus(),
      this.pool.query<{ term: string; papers: number }>('SELECT term, papers FROM body_terms WHERE term = ANY($1::text[])', [list]),
    ]);
    return { docs, df: new Map(rows.map((r) => [r.term, r.papers])) };
  }

  private async nearest(vector: number[]): Promise<{ paper_id: string; n: number; sim: number }[]> {
    if (!vector.length || vector.length !== this.dimensions || !vector.every(Number.isFinite)) return [];
    const literal = `'[${vector.join(',')}]'`;
    const { expr, cast } = indexed(this.hnsw, this.dimensions);
    const results = (await this.pool.query(
      `SET LOCAL hnsw.ef_search = ${HNSW.searchFactor * PER_SEARCH};
       SELECT paper_id, n, 1 - (embedding <=> ${literal}::vector) AS sim FROM ${this.table} ORDER BY ${expr} <=> ${literal}::${cast} LIMIT ${PER_SEARCH}`,
    )) as unknown as pg.QueryResult<{ paper_id: string; n: number; sim: number }>[];
    return results[1]!.rows.map((r) => ({ ...r, sim: Number(r.sim) }));
  }

  /** BM25 over every passage (IDF among all passages), each term's strongest postings first: the best PER_SEARCH passages. */
  private async bm25(question: string): Promise<{ paper_id: string; n: number; score: number }[]> {
    const q = [...new Set(terms(question))];
    if (!q.length) return [];
    const { docs, words } = await this.corpus();
    const f = (x: number) => `${x}::float8`;
    const { rows } = await this.pool.query<{ paper_id: string; n: number; score: number }>(
      `WITH q AS MATERIALIZED (SELECT term, ln(1 + (${f(docs)} - passages + 0.5) / (passages + 0.5)) AS idf FROM body_terms WHERE term = ANY($1::text[]) AND passages > 0)
       SELECT l.paper_id, l.n, sum(q.idf * l.tf::float8 * ${f(k1 + 1)} / (l.tf::float8 + ${f(k1 * (1 - b))} + ${f((k1 * b) / Math.max(1, words))} * l.len::float8))::float8 AS score
       FROM q CROSS JOIN LATERAL (SELECT * FROM body_postings p WHERE p.term = q.term ORDER BY p.impact DESC LIMIT ${POSTINGS_PER_TERM}) l
       GROUP BY l.paper_id, l.n ORDER BY score DESC, l.paper_id, l.n LIMIT ${PER_SEARCH}`,
      [q],
    );
    return rows.map((r) => ({ ...r, score: Number(r.score) }));
  }

  /** Passages indexed and their average length in terms (reused for a few seconds: they move slowly). */
  private async corpus(): Promise<{ docs: number; words: number }> {
    if (this.avg && Date.now() - this.avg.at < 5000) return this.avg;
    const { rows } = await this.pool.query<{ p: string | null; w: string | null; d: string }>(
      'SELECT sum(passages) AS p, sum(words) AS w, count(*) AS d FROM body_docs',
    );
    const passages = Number(rows[0]?.p ?? 0);
    this.avg = { at: Date.now(), docs: Number(rows[0]?.d ?? 0), words: passages ? Number(rows[0]?.w ?? 0) / passages : 1 };
    return this.avg;
  }

  /** A large load without the HNSW index, which is built once after it (as for the abstracts' vectors). */
  async bulkLoad<T>(load: () => Promise<T>): Promise<T> {
    await this.pool.query(`DROP INDEX IF EXISTS ${indexName(this.table, this.hnsw)}`);
    try {
      return await load();
    } finally {
      await inTransaction(this.pool, (client) => buildIndex(client, this.table, this.hnsw, this.dimensions));
    }
  }
}

/** How passages become postings (passageWords, terms): a change re-indexes every full text once. */
const POSTINGS_VERSION = 1;

/** What body_docs records: the content hash and the encoder of the full text indexed, and POSTINGS_VERSION. */
const indexedHash = (contentHash: string, model: string) => `${contentHash}:${model}:${POSTINGS_VERSION}`;

const indexName = (table: string, kind: HnswKind) => `${table}_hnsw${kind === 'halfvec' ? '_h' : ''}`;

async function buildIndex(client: pg.PoolClient, table: string, kind: HnswKind, dimensions: number): Promise<void> {
  const { expr, ops } = indexed(kind, dimensions);
  await client.query("SET LOCAL maintenance_work_mem = '512MB'");
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${indexName(table, kind)} ON ${table} USING hnsw (${expr} ${ops}) WITH (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction})`,
  );
}

function tally(ts: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of ts) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}
