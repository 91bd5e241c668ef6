import type pg from 'pg';
import { aliasesOf, aliasText } from './aliases.js';
import type { RetrievablePaper } from './catalog.js';
import { DEFAULT_LEXICAL, type LexicalParams, type LexicalRanker, type TermStats } from './lexical.js';
import { terms } from './text.js';
import { copyInto, inTransaction, onConnection } from '../db/postgres.js';

/**
 * BM25 in PostgreSQL, scored exactly as the embedded index (MiniSearch's BM25) scores: per field (title,
 * abstract, aliases) BM25 with that field's document frequency and average length, boosted, summed,
 * times the number of query terms matched. Terms are paperbot's own (stemmed, stop words removed),
 * stored as postings (term, paper) in a covering B-tree on the term, so a question reads only the
 * postings of its own terms, in one index-only pass; per-field document frequencies are kept in
 * lex_terms as papers are indexed. Written at ingest (any process), read by every process.
 */
/**
 * A question reads at most this many postings per term, those with the highest impact (the term's
 * BM25 weight in that paper, without IDF, at indexing time). Scores stay exact; only a paper whose
 * every question term is both very common and weak in it can be missed. At 100k papers a term
 * like "model" has tens of thousands of postings: reading them all made a search 100+ ms.
 */
export const POSTINGS_PER_TERM = 2000;

/** The postings indexes (as migration 6 creates them), rebuilt after a bulk load. */
const LEX_INDEXES = `CREATE INDEX IF NOT EXISTS lex_postings_paper ON lex_postings(paper_id);
  CREATE INDEX IF NOT EXISTS lex_postings_scan ON lex_postings(term, impact DESC) INCLUDE (paper_id, title_tf, body_tf, alias_tf, title_len, body_len, alias_len);`;

export class PgLexical implements LexicalRanker {
  private stats: { at: number; docs: number; avg: [number, number, number] } | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly params: LexicalParams = DEFAULT_LEXICAL,
    /** How long document count and average field lengths are reused (they move slowly). */
    private readonly statsTtlMs = 5000,
  ) {}

  private async corpus(): Promise<{ docs: number; avg: [number, number, number] }> {
    if (this.stats && Date.now() - this.stats.at < this.statsTtlMs) return this.stats;
    const { rows } = await this.pool.query<{ n: number; t: number | null; b: number | null; a: number | null }>(
      'SELECT CAST(count(*) AS INTEGER) AS n, avg(title_len)::float8 AS t, avg(body_len)::float8 AS b, avg(alias_len)::float8 AS a FROM lex_docs',
    );
    const r = rows[0]!;
    this.stats = { at: Date.now(), docs: r.n, avg: [r.t || 1, r.b || 1, r.a || 1] };
    return this.stats;
  }

  async search(query: string, limit: number): Promise<{ id: string; score: number }[]> {
    const counts = new Map<string, number>();
    for (const t of terms(query)) counts.set(t, (counts.get(t) ?? 0) + 1);
    if (counts.size === 0) return [];
    const { docs, avg } = await this.corpus();
    const { k1: k, b, titleBoost, aliasBoost } = this.params;
    // One field's BM25 saturation, as MiniSearch computes it (d = 0).
    // In float8 throughout: with numeric literals PostgreSQL computed it in numeric, 4x slower.
    const f = (x: number) => `${x}::float8`;
    const sat = (tf: string, len: string, avgLen: number) =>
      `(${tf}::float8 * ${f(k + 1)} / (${tf}::float8 + ${f(k * (1 - b))} + ${f((k * b) / avgLen)} * ${len}::float8))`;
    // Per field, MiniSearch's IDF from that field's document frequency.
    const idf = (d: string) => `ln(1 + (${f(docs)} - ${d} + 0.5) / (${d} + 0.5))`;
    // One round trip: the question's terms with their per-field weights (weight × boost × IDF, terms
    // no paper has dropped), then per term its postings best first (an index-only scan of
    // lex_postings_scan), at most POSTINGS_PER_TERM of them: exact whenever no question term is in
    // more papers than that. The title and alias fields are 0 in most postings, so only computed when not.
    const { rows } = await this.pool.query<{ id: string; score: number }>(
      `WITH q AS MATERIALIZED (
         SELECT t.term, t.w * ${f(titleBoost)} * ${idf('l.dt')} AS wt, t.w * ${idf('l.db')} AS wb, t.w * ${f(aliasBoost)} * ${idf('l.da')} AS wa
         FROM unnest($1::text[], $2::float8[]) AS t(term, w) JOIN lex_terms l ON l.term = t.term AND l.dany > 0)
       SELECT l.paper_id AS id,
              (sum(q.wb * ${sat('l.body_tf', 'l.body_len', avg[1])}
                 + CASE WHEN l.title_tf + l.alias_tf > 0 THEN q.wt * ${sat('l.title_tf', 'l.title_len', avg[0])} + q.wa * ${sat('l.alias_tf', 'l.alias_len', avg[2])} ELSE 0 END)
                 * count(*))::float8 AS score
       FROM q CROSS JOIN LATERAL (SELECT * FROM lex_postings p WHERE p.term = q.term ORDER BY p.impact DESC LIMIT $4) l
       GROUP BY l.paper_id ORDER BY score DESC, l.paper_id LIMIT $3`,
      [[...counts.keys()], [...counts.values()], limit, POSTINGS_PER_TERM],
    );
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  async termStats(list: string[]): Promise<TermStats> {
    const [{ docs }, { rows }] = await Promise.all([
      this.corpus(),
      this.pool.query<{ term: string; n: number }>('SELECT term, dany AS n FROM lex_terms WHERE term = ANY($1::text[])', [list]),
    ]);
    const df = new Map(list.map((t) => [t, 0]));
    for (const r of rows) df.set(r.term, r.n);
    return { docs, df };
  }

  /** Papers (same database) not indexed at their current content: one query, only their ids back. */
  async stalePapers(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      'SELECT p.id FROM papers p LEFT JOIN lex_docs d ON d.paper_id = p.id WHERE d.hash IS DISTINCT FROM p.content_hash',
    );
    return rows.map((r) => r.id);
  }

  /**
   * (Re-)indexes papers: each batch's postings are replaced in one transaction. A large load (10k+
   * papers) drops the postings indexes and builds them once at the end: maintaining two B-trees row
   * by row was most of the load time. Searches meanwhile still work, slower.
   */
  async index(papers: (RetrievablePaper & { contentHash: string })[]): Promise<void> {
    if (papers.length < 10_000) return this.indexBatches(papers);
    await this.pool.query('DROP INDEX IF EXISTS lex_postings_scan');
    await this.pool.query('DROP INDEX IF EXISTS lex_postings_paper');
    try {
      await this.indexBatches(papers);
    } finally {
      await onConnection(this.pool, async (client) => {
        await client.query("SET maintenance_work_mem = '512MB'");
        await client.query(LEX_INDEXES);
        await client.query('RESET maintenance_work_mem');
      });
      await this.pool.query('VACUUM (ANALYZE) lex_postings');
    }
  }

  private async indexBatches(papers: (RetrievablePaper & { contentHash: string })[]): Promise<void> {
    const { avg } = await this.corpus();
    const { k1: k, b: bb, titleBoost, aliasBoost } = this.params;
    const sat = (tf: number, len: number, avgLen: number) => (tf === 0 ? 0 : (tf * (k + 1)) / (tf + k * (1 - bb + (bb * len) / avgLen)));
    // Large batches: each one upserts the document frequencies of its whole vocabulary once.
    for (let i = 0; i < papers.length; i += 2500) {
      const batch = papers.slice(i, i + 2500);
      const post = { term: [] as string[], paper: [] as string[], t: [] as number[], b: [] as number[], a: [] as number[], impact: [] as number[] };
      const doc = { id: [] as string[], hash: [] as string[], t: [] as number[], b: [] as number[], a: [] as number[] };
      for (const p of batch) {
        const fields = [terms(p.title), terms(p.abstract), terms(aliasText(p.title, aliasesOf(p)))];
        const tf = new Map<string, [number, number, number]>();
        fields.forEach((ts, f) => {
          for (const t of ts) {
            const c = tf.get(t) ?? [0, 0, 0];
            c[f]! += 1;
            tf.set(t, c);
          }
        });
        const lens = fields.map((f) => new Set(f).size);
        for (const [term, [t, b, a]] of tf) {
          post.term.push(term);
          post.paper.push(p.id);
          post.t.push(t);
          post.b.push(b);
          post.a.push(a);
          post.impact.push(titleBoost * sat(t, lens[0]!, avg[0]) + sat(b, lens[1]!, avg[1]) + aliasBoost * sat(a, lens[2]!, avg[2]));
        }
        doc.id.push(p.id);
        doc.hash.push(p.contentHash);
        // A field's length is its number of distinct terms, as MiniSearch counts it.
        doc.t.push(new Set(fields[0]).size);
        doc.b.push(new Set(fields[1]).size);
        doc.a.push(new Set(fields[2]).size);
      }
      await inTransaction(this.pool, async (client) => {
        // Document frequencies move by what these papers' old postings had and their new ones have.
        const delta = new Map<string, [number, number, number, number]>();
        const add = (term: string, t: number, b: number, a: number, sign: number) => {
          const d = delta.get(term) ?? [0, 0, 0, 0];
          d[0] += sign * Math.sign(t);
          d[1] += sign * Math.sign(b);
          d[2] += sign * Math.sign(a);
          d[3] += sign;
          delta.set(term, d);
        };
        // Only papers indexed before have postings to replace (a bulk load has no index on paper_id meanwhile).
        const known = (await client.query<{ paper_id: string }>('SELECT paper_id FROM lex_docs WHERE paper_id = ANY($1::text[])', [doc.id])).rows.map(
          (r) => r.paper_id,
        );
        const old = known.length
          ? await client.query<{ term: string; title_tf: number; body_tf: number; alias_tf: number }>(
              'DELETE FROM lex_postings WHERE paper_id = ANY($1::text[]) RETURNING term, title_tf, body_tf, alias_tf',
              [known],
            )
          : { rows: [] };
        for (const r of old.rows) add(r.term, r.title_tf, r.body_tf, r.alias_tf, -1);
        for (const [i, term] of post.term.entries()) add(term, post.t[i]!, post.b[i]!, post.a[i]!, 1);
        const changed = [...delta].filter(([, d]) => d.some((x) => x !== 0));
        // In term order, so two processes indexing at once lock rows in the same order (no deadlock).
        changed.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
        await client.query(
          `INSERT INTO lex_terms (term, dt, db, da, dany) SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[])
         ON CONFLICT (term) DO UPDATE SET dt = lex_terms.dt + excluded.dt, db = lex_terms.db + excluded.db, da = lex_terms.da + excluded.da, dany = lex_terms.dany + excluded.dany`,
          [changed.map(([t]) => t), changed.map(([, d]) => d[0]), changed.map(([, d]) => d[1]), changed.map(([, d]) => d[2]), changed.map(([, d]) => d[3])],
        );
        await client.query(
          `INSERT INTO lex_docs (paper_id, hash, title_len, body_len, alias_len) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[])
         ON CONFLICT (paper_id) DO UPDATE SET hash = excluded.hash, title_len = excluded.title_len, body_len = excluded.body_len, alias_len = excluded.alias_len`,
          [doc.id, doc.hash, doc.t, doc.b, doc.a],
        );
        // The postings themselves by COPY (millions of rows in a large load), lengths from here.
        const lens = new Map(doc.id.map((id, i) => [id, [doc.t[i]!, doc.b[i]!, doc.a[i]!]]));
        await copyInto(
          client,
          'lex_postings',
          ['term', 'paper_id', 'title_tf', 'body_tf', 'alias_tf', 'title_len', 'body_len', 'alias_len', 'impact'],
          (function* () {
            for (const [i, term] of post.term.entries()) {
              const [tl, bl, al] = lens.get(post.paper[i]!)!;
              yield [term, post.paper[i]!, post.t[i]!, post.b[i]!, post.a[i]!, tl!, bl!, al!, Math.fround(post.impact[i]!)];
            }
          })(),
        );
      });
    }
    this.stats = undefined;
    // A large batch: refresh the visibility map and statistics so searches use index-only scans at once.
    if (papers.length >= 1000 && papers.length < 10_000) await this.pool.query('VACUUM (ANALYZE) lex_postings');
  }
}
