import type pg from 'pg';
import { aliasesOf, aliasText } from './aliases.js';
import type { RetrievablePaper } from './catalog.js';
import { DEFAULT_LEXICAL, type LexicalParams, type LexicalRanker, type TermStats } from './lexical.js';
import { terms } from './text.js';

/**
 * BM25 in PostgreSQL, scored exactly as the embedded index (MiniSearch) scores: per field (title,
 * abstract, aliases) BM25 with that field's document frequency and average length, boosted, summed,
 * times the number of query terms matched. Terms are paperbot's own (stemmed, stop words removed),
 * stored as postings (term, paper) with a B-tree on the term, so a question reads only the postings
 * of its own terms. Written at ingest (any process), read by every process.
 */
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
    // One field's BM25 term score, as MiniSearch computes it (d = 0).
    const field = (tf: string, len: string, df: string, avgLen: number, boost: number) =>
      `CASE WHEN ${tf} > 0 THEN ${boost} * ln(1 + (${docs} - ${df} + 0.5) / (${df} + 0.5)) * (${tf} * ${k + 1}) / (${tf} + ${k} * (1 - ${b} + ${b} * ${len} / ${avgLen})) ELSE 0 END`;
    const { rows } = await this.pool.query<{ id: string; score: number }>(
      `WITH q AS (SELECT * FROM unnest($1::text[], $2::float8[]) AS q(term, w)),
       p AS (SELECT l.*, q.w FROM lex_postings l JOIN q USING (term)),
       df AS (SELECT term, count(*) FILTER (WHERE title_tf > 0) AS dt, count(*) FILTER (WHERE body_tf > 0) AS db,
                     count(*) FILTER (WHERE alias_tf > 0) AS da FROM p GROUP BY term),
       s AS (SELECT p.paper_id, p.w * (${field('title_tf', 'title_len', 'dt', avg[0], titleBoost)}
                                     + ${field('body_tf', 'body_len', 'db', avg[1], 1)}
                                     + ${field('alias_tf', 'alias_len', 'da', avg[2], aliasBoost)}) AS sc
             FROM p JOIN df USING (term))
       SELECT paper_id AS id, (sum(sc) * count(*))::float8 AS score FROM s GROUP BY paper_id ORDER BY score DESC, paper_id LIMIT $3`,
      [[...counts.keys()], [...counts.values()], limit],
    );
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  async termStats(list: string[]): Promise<TermStats> {
    const [{ docs }, { rows }] = await Promise.all([
      this.corpus(),
      this.pool.query<{ term: string; n: number }>('SELECT term, CAST(count(*) AS INTEGER) AS n FROM lex_postings WHERE term = ANY($1::text[]) GROUP BY term', [
        list,
      ]),
    ]);
    const df = new Map(list.map((t) => [t, 0]));
    for (const r of rows) df.set(r.term, r.n);
    return { docs, df };
  }

  /** paperId → content hash the postings were made from (ingest re-indexes what differs). */
  async indexedHashes(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ paper_id: string; hash: string }>('SELECT paper_id, hash FROM lex_docs');
    return new Map(rows.map((r) => [r.paper_id, r.hash]));
  }

  /** (Re-)indexes papers: each paper's postings are replaced in one transaction. */
  async index(papers: (RetrievablePaper & { contentHash: string })[]): Promise<void> {
    for (let i = 0; i < papers.length; i += 500) {
      const batch = papers.slice(i, i + 500);
      const post = { term: [] as string[], paper: [] as string[], t: [] as number[], b: [] as number[], a: [] as number[] };
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
        for (const [term, [t, b, a]] of tf) {
          post.term.push(term);
          post.paper.push(p.id);
          post.t.push(t);
          post.b.push(b);
          post.a.push(a);
        }
        doc.id.push(p.id);
        doc.hash.push(p.contentHash);
        // A field's length is its number of distinct terms, as MiniSearch counts it.
        doc.t.push(new Set(fields[0]).size);
        doc.b.push(new Set(fields[1]).size);
        doc.a.push(new Set(fields[2]).size);
      }
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('DELETE FROM lex_postings WHERE paper_id = ANY($1::text[])', [doc.id]);
        await client.query(
          `INSERT INTO lex_docs (paper_id, hash, title_len, body_len, alias_len) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[])
           ON CONFLICT (paper_id) DO UPDATE SET hash = excluded.hash, title_len = excluded.title_len, body_len = excluded.body_len, alias_len = excluded.alias_len`,
          [doc.id, doc.hash, doc.t, doc.b, doc.a],
        );
        await client.query(
          `INSERT INTO lex_postings (term, paper_id, title_tf, body_tf, alias_tf, title_len, body_len, alias_len)
           SELECT x.term, x.paper_id, x.t, x.b, x.a, d.title_len, d.body_len, d.alias_len
           FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[]) AS x(term, paper_id, t, b, a) JOIN lex_docs d ON d.paper_id = x.paper_id`,
          [post.term, post.paper, post.t, post.b, post.a],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    }
    this.stats = undefined;
  }
}
