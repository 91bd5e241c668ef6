import { createHash } from 'node:crypto';
import { ALIASES_VERSION } from '../aliases.js';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { RetrievablePaper } from '../../paper/paper.js';
import { DEFAULT_LEXICAL, type LexicalParams, type LexicalRanker, type TermStats } from './lexical.js';
import { type AnalysedPaper, analyse, averagesWith, type BulkPostings, type Corpus, type Fields, impactAt } from './pg-lexical-bulk.js';
import { runJob } from '../encoders/worker-job.js';
import { terms } from '../text.js';
import { copyBinary, inTransaction, onConnection } from '../../db/postgres.js';

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

/** The postings indexes (as migration 6 creates them), rebuilt after a bulk load, side by side. */
const LEX_INDEXES = [
  'CREATE INDEX IF NOT EXISTS lex_postings_paper ON lex_postings(paper_id)',
  'CREATE INDEX IF NOT EXISTS lex_postings_scan ON lex_postings(term, impact DESC) INCLUDE (paper_id, title_tf, body_tf, alias_tf, title_len, body_len, alias_len)',
];

export class PgLexical implements LexicalRanker {
  private stats: { at: number; docs: number; avg: [number, number, number] } | undefined;
  /** A bulk load's analysis started by prepare(), for the index() call it matches. */
  private early:
    | { fresh: Promise<BulkPaper[] | undefined>; layout: Promise<BulkPostings | undefined>; abort: AbortController; expiry: NodeJS.Timeout }
    | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly params: LexicalParams = DEFAULT_LEXICAL,
    /** How long document count and average field lengths are reused (they move slowly). */
    private readonly statsTtlMs = 5000,
    /** Postings a question reads per term; papers from which an index() is one bulk load (tests make both small). */
    private readonly limits = { postingsPerTerm: POSTINGS_PER_TERM, bulkFrom: BULK },
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
      [[...counts.keys()], [...counts.values()], limit, this.limits.postingsPerTerm],
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
      `SELECT p.id FROM papers p LEFT JOIN lex_docs d ON d.paper_id = p.id WHERE d.hash IS DISTINCT FROM ${INDEXED_HASH_SQL}`,
      [ALIASES_VERSION],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Starts a large load's analysis early: an ingest calls this with the papers it is about to store,
   * so the worker thread runs beside the paper writes (seconds at 100k papers) instead of after them.
   * Only papers this index does not hold yet are analysed (a first import), and only when they are a
   * large load; a re-ingest of papers already indexed starts nothing (one query). The next index()
   * takes it up when it is given exactly these papers (same ids, titles, abstracts, links); any other
   * index() call ends it (its worker too), as does an hour without one.
   */
  prepare(papers: BulkPaper[]): void {
    if (papers.length < this.limits.bulkFrom) return;
    this.dropEarly();
    const abort = new AbortController();
    const fresh = (async () => {
      const known = new Set(
        (await this.pool.query<{ paper_id: string }>('SELECT paper_id FROM lex_docs WHERE paper_id = ANY($1::text[])', [papers.map((p) => p.id)])).rows.map(
          (r) => r.paper_id,
        ),
      );
      const todo = papers
        .filter((p) => !known.has(p.id))
        .map(({ id, title, abstract, links, authors }) => ({ id, title, abstract, links, ...(authors ? { authors } : {}) }));
      return todo.length >= this.limits.bulkFrom ? todo : undefined;
    })();
    const layout = fresh.then(async (todo) =>
      todo ? prepareInWorker(todo, await this.corpus(), this.params, this.limits.postingsPerTerm, abort.signal) : undefined,
    );
    // index() awaits these and reports their failure; nobody else does.
    fresh.catch(() => {});
    layout.catch(() => {});
    this.early = { fresh, layout, abort, expiry: setTimeout(() => this.dropEarly(), 60 * 60_000).unref() };
  }

  /** Forgets the early analysis, ending its worker if it is still running. */
  private dropEarly(): void {
    if (!this.early) return;
    clearTimeout(this.early.expiry);
    this.early.abort.abort();
    this.early = undefined;
  }

  /** The early analysis if it was of exactly these papers (in its own order, which the load then uses); any other is ended. */
  private async takeEarly(papers: IndexedPaper[]): Promise<EarlyLayout | undefined> {
    const early = this.early;
    if (!early) return undefined;
    this.early = undefined;
    clearTimeout(early.expiry);
    const todo = await early.fresh.catch(() => undefined);
    const given = new Map(papers.map((p) => [p.id, p]));
    const same =
      todo?.length === papers.length &&
      todo.every((e) => {
        const p = given.get(e.id);
        return p !== undefined && p.title === e.title && p.abstract === e.abstract && JSON.stringify(p.links) === JSON.stringify(e.links);
      });
    // (Papers to analyse mean an analysis was started: its layout is there.)
    if (same) return { papers: todo, layout: early.layout.then((bulk) => bulk!) };
    early.abort.abort();
    return undefined;
  }

  /**
   * (Re-)indexes papers. Up to BULK papers: in batches, each one transaction with all its postings.
   * A large load (a first import, 10k+ papers) goes the way PostgreSQL builds fastest: the postings
   * indexes are dropped (searches meanwhile still work, slower), only the postings a search can read
   * are written (per term the POSTINGS_PER_TERM of highest impact), in the index's own order, and
   * the indexes are built once over them. At 100k papers that is 5.8M rows instead of 10.8M, and a
   * presorted build.
   */
  async index(papers: IndexedPaper[]): Promise<void> {
    const early = await this.takeEarly(papers);
    if (papers.length < this.limits.bulkFrom) return this.indexBatches(papers);
    await this.pool.query('DROP INDEX IF EXISTS lex_postings_scan');
    await this.pool.query('DROP INDEX IF EXISTS lex_postings_paper');
    try {
      await this.indexBulk(papers, early);
    } finally {
      // Each on its own connection, at once: the two builds are mostly one core each (5.8M postings
      // at 100k papers: ~3.6 and ~2.7 s alone). Each sort fits in memory, which is then one pass.
      await Promise.all(
        LEX_INDEXES.map((sql) =>
          onConnection(this.pool, async (client) => {
            await client.query("SET maintenance_work_mem = '512MB'");
            await client.query(sql);
            await client.query('RESET maintenance_work_mem');
          }),
        ),
      );
      await this.pool.query('VACUUM (ANALYZE) lex_postings');
    }
  }

  private async indexBatches(papers: IndexedPaper[]): Promise<void> {
    // Large batches: each one upserts the document frequencies of its whole vocabulary once.
    for (let i = 0; i < papers.length; i += 2500) {
      const batch = papers.slice(i, i + 2500).map((p) => ({ paper: p, ...analyse(p) }));
      const impact = impactAt(
        this.params,
        averagesWith(
          await this.corpus(),
          batch.map((d) => d.lens),
        ),
      );
      await inTransaction(this.pool, async (client) => {
        const delta = await this.removeOld(
          client,
          batch.map((d) => d.paper.id),
        );
        for (const d of batch) for (const [term, [t, b, a]] of d.tf) delta.add(term, t, b, a, 1);
        await delta.write(client);
        await writeDocs(
          client,
          batch.map((d) => ({ id: d.paper.id, hash: indexedHash(d.paper), lens: d.lens, unlisted: '', unlistedFields: '' })),
        );
        await copyPostings(
          client,
          (function* () {
            for (const d of batch) {
              const [lt, lb, la] = d.lens;
              for (const [term, [t, b, a]] of d.tf) yield [term, d.paper.id, t, b, a, lt, lb, la, impact(t, b, a, lt, lb, la)];
            }
          })(),
        );
      });
      this.stats = undefined;
    }
    // A large batch: refresh the visibility map and statistics so searches use index-only scans at once.
    if (papers.length >= 1000) await this.pool.query('VACUUM (ANALYZE) lex_postings');
  }

  /**
   * One large load, one transaction. The papers are analysed in a worker thread (10–20 s of one core
   * at 100k papers, while this thread writes vectors): every posting in typed arrays (~250 MB for
   * 100k papers' 10.8M postings, for the length of the load), counted into document frequencies,
   * per term sorted by impact (`pg-lexical-bulk.ts`). Here the first POSTINGS_PER_TERM of each term
   * are written, in (term, impact) order; the rest are only noted on their paper (`unlisted`). Which
   * ones a search reads is unchanged: per term the highest-impact ones, and a posting left out here
   * ranked below that many others of this load already.
   */
  private async indexBulk(given: IndexedPaper[], early: EarlyLayout | undefined): Promise<void> {
    const cap = this.limits.postingsPerTerm;
    const hashes = new Map(given.map((p) => [p.id, indexedHash(p)]));
    const papers = (early?.papers ?? given).map((p) => ({ id: p.id, contentHash: hashes.get(p.id)! }));
    const bulk = await (early?.layout ??
      prepareInWorker(
        given.map((p) => ({ title: p.title, abstract: p.abstract, links: p.links, ...(p.authors ? { authors: p.authors } : {}) })),
        await this.corpus(),
        this.params,
        cap,
      ));
    const { names, paperOf, tfs, impact, lens, byName, order, start, df } = bulk;
    await inTransaction(this.pool, async (client) => {
      const delta = await this.removeOld(
        client,
        papers.map((p) => p.id),
      );
      for (const [id, term] of names.entries()) delta.addCounts(term, df[4 * id]!, df[4 * id + 1]!, df[4 * id + 2]!, df[4 * id + 3]!);
      await delta.write(client);
      await writeDocs(
        client,
        papers.map((p, pi) => ({
          id: p.id,
          hash: p.contentHash,
          lens: [lens[3 * pi]!, lens[3 * pi + 1]!, lens[3 * pi + 2]!],
          unlisted: bulk.unlisted[pi]!,
          unlistedFields: bulk.unlistedFields[pi]!,
        })),
      );
      await copyPostings(
        client,
        (function* () {
          for (let r = 0; r < byName.length; r++) {
            const term = names[byName[r]!]!;
            for (let j = start[r]!; j < Math.min(start[r + 1]!, start[r]! + cap); j++) {
              const i = order[j]!;
              const pi = paperOf[i]!;
              yield [term, papers[pi]!.id, tfs[3 * i]!, tfs[3 * i + 1]!, tfs[3 * i + 2]!, lens[3 * pi]!, lens[3 * pi + 1]!, lens[3 * pi + 2]!, impact[i]!];
            }
          }
        })(),
      );
    });
    this.stats = undefined;
  }

  /**
   * Takes papers indexed before out of the index (their postings, and what a bulk load left
   * unlisted) and returns the document-frequency changes that makes, for the caller to add to.
   */
  private async removeOld(client: pg.PoolClient, ids: string[]): Promise<DfDelta> {
    const delta = new DfDelta();
    // Only papers indexed before have postings to replace (a bulk load has no index on paper_id meanwhile).
    const known = (
      await client.query<{ paper_id: string; unlisted: string[]; unlisted_fields: number[] }>(
        'SELECT paper_id, unlisted, unlisted_fields FROM lex_docs WHERE paper_id = ANY($1::text[])',
        [ids],
      )
    ).rows;
    if (known.length === 0) return delta;
    const old = await client.query<{ term: string; title_tf: number; body_tf: number; alias_tf: number }>(
      'DELETE FROM lex_postings WHERE paper_id = ANY($1::text[]) RETURNING term, title_tf, body_tf, alias_tf',
      [known.map((r) => r.paper_id)],
    );
    for (const r of old.rows) delta.add(r.term, r.title_tf, r.body_tf, r.alias_tf, -1);
    for (const r of known)
      for (const [j, term] of r.unlisted.entries()) {
        const fields = r.unlisted_fields[j]!;
        delta.add(term, fields & 1, fields & 2, fields & 4, -1);
      }
    return delta;
  }
}

type IndexedPaper = RetrievablePaper & { contentHash: string };

/**
 * What a paper's postings were made from: its content, the aliases' version and its authors ("Pei et
 * al." is indexed). A paper whose stored hash differs is indexed again — after an aliasesOf() change
 * or new authors too, not only when the abstract changes. The SQL computes the same from `papers`.
 */
export function indexedHash(p: Pick<IndexedPaper, 'contentHash' | 'authors'>): string {
  const authors = p.authors?.length ? JSON.stringify(p.authors) : '';
  return `${p.contentHash}:${ALIASES_VERSION}:${createHash('md5').update(authors).digest('hex').slice(0, 8)}`;
}
const INDEXED_HASH_SQL = "p.content_hash || ':' || $1::int || ':' || left(md5(coalesce(p.authors, '')), 8)";
/** What a bulk load's analysis reads of a paper. */
type BulkPaper = Pick<RetrievablePaper, 'id' | 'title' | 'abstract' | 'links' | 'authors'>;
/** An analysis started by prepare() and taken up by index(): the papers in its order, and its result. */
type EarlyLayout = { papers: BulkPaper[]; layout: Promise<BulkPostings> };

/** Papers from which an index() is one bulk load. */
const BULK = 10_000;

/** How a write moves each term's document frequencies (per field, and in any field). */
class DfDelta {
  private readonly d = new Map<string, [number, number, number, number]>();

  /** One paper's (tf per field) entering (sign 1) or leaving (-1) a term. */
  add(term: string, t: number, b: number, a: number, sign: number): void {
    this.addCounts(term, sign * Math.sign(t), sign * Math.sign(b), sign * Math.sign(a), sign);
  }

  addCounts(term: string, dt: number, db: number, da: number, dany: number): void {
    const d = this.d.get(term) ?? [0, 0, 0, 0];
    d[0] += dt;
    d[1] += db;
    d[2] += da;
    d[3] += dany;
    this.d.set(term, d);
  }

  /** The changed terms, in term order so two processes indexing at once lock rows in the same order (no deadlock). */
  async write(client: pg.PoolClient): Promise<void> {
    const changed = [...this.d].filter(([, d]) => d.some((x) => x !== 0));
    changed.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    await client.query(
      `INSERT INTO lex_terms (term, dt, db, da, dany) SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[])
       ON CONFLICT (term) DO UPDATE SET dt = lex_terms.dt + excluded.dt, db = lex_terms.db + excluded.db, da = lex_terms.da + excluded.da, dany = lex_terms.dany + excluded.dany`,
      [changed.map(([t]) => t), changed.map(([, d]) => d[0]), changed.map(([, d]) => d[1]), changed.map(([, d]) => d[2]), changed.map(([, d]) => d[3])],
    );
  }
}

/** lex_docs rows (unlisted terms and their fields as space-separated lists). */
async function writeDocs(client: pg.PoolClient, docs: { id: string; hash: string; lens: Fields; unlisted: string; unlistedFields: string }[]): Promise<void> {
  await client.query(
    `INSERT INTO lex_docs (paper_id, hash, title_len, body_len, alias_len, unlisted, unlisted_fields)
     SELECT id, hash, t, b, a, string_to_array(u, ' '), string_to_array(f, ' ')::smallint[]
     FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[]) AS x(id, hash, t, b, a, u, f)
     ON CONFLICT (paper_id) DO UPDATE SET hash = excluded.hash, title_len = excluded.title_len, body_len = excluded.body_len,
       alias_len = excluded.alias_len, unlisted = excluded.unlisted, unlisted_fields = excluded.unlisted_fields`,
    [
      docs.map((d) => d.id),
      docs.map((d) => d.hash),
      docs.map((d) => d.lens[0]),
      docs.map((d) => d.lens[1]),
      docs.map((d) => d.lens[2]),
      docs.map((d) => d.unlisted),
      docs.map((d) => d.unlistedFields),
    ],
  );
}

/** Postings by binary COPY (millions of rows in a large load): term, paper, tf and length per field, impact. */
function copyPostings(client: pg.PoolClient, rows: Iterable<[string, string, number, number, number, number, number, number, number]>): Promise<void> {
  return copyBinary(
    client,
    'lex_postings',
    [
      ['term', 'text'],
      ['paper_id', 'text'],
      ['title_tf', 'int2'],
      ['body_tf', 'int2'],
      ['alias_tf', 'int2'],
      ['title_len', 'int4'],
      ['body_len', 'int4'],
      ['alias_len', 'int4'],
      ['impact', 'float4'],
    ],
    rows,
  );
}

/** The CPU half of a bulk load, in a worker thread of its own (ended after, or when `signal` aborts). */
async function prepareInWorker(papers: AnalysedPaper[], corpus: Corpus, params: LexicalParams, cap: number, signal?: AbortSignal): Promise<BulkPostings> {
  signal?.throwIfAborted();
  const worker = new Worker(new URL('./pg-lexical-bulk.worker.mjs', import.meta.url));
  // Ended meanwhile: the job then fails with "worker thread exited".
  signal?.addEventListener('abort', () => void worker.terminate(), { once: true });
  try {
    return await runJob(worker, { papers, corpus, params, cap }, (reply: BulkPostings) => reply);
  } finally {
    await worker.terminate();
  }
}
