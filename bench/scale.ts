// Benchmark: the embedded backend (SQLite + Vectra + in-memory BM25) against PostgreSQL + pgvector,
// in one run, at the same size. Prints a Markdown table.
// Run: npm run bench:scale                 (100k papers, SciFact and the seed; ~10 min on 2 cores, ~15 the first time)
//      npm run bench:scale -- --papers 20000
// The PostgreSQL is the throwaway test server (scripts/test-postgres.mjs). A development tool.
//
// Size rows: 100k papers whose vectors are stand-ins drawn around real SciFact abstract vectors;
// questions are embedded by the real encoder, so query cost is real. Quality rows: the real
// encoder's vectors on the seed and on SciFact (embedded once, the same vectors fed to both stores).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Embeddings } from '@langchain/core/embeddings';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open.js';
import { PostgresDb } from '../src/db/postgres.js';
import { loadBeir, scoreBeir } from '../src/eval/beir.js';
import { percentile } from '../src/eval/metrics.js';
import { loadQuestions } from '../src/eval/questions.js';
import { StoreCatalog } from '../src/library/catalog.js';
import { ingest } from '../src/library/ingest.js';
import { PaperStore } from '../src/library/store.js';
import { log } from '../src/log.js';
import { createEmbeddings } from '../src/retrieval/encoders/embeddings.js';
import { HybridRetriever } from '../src/retrieval/hybrid-retriever.js';
import { denseChunks } from '../src/retrieval/passages.js';
import { PgLexical } from '../src/retrieval/lexical/pg-lexical.js';
import { PgPassageStore } from '../src/retrieval/vectors/pg-vector-store.js';
import { VectraStore, type PassageVectors } from '../src/retrieval/vectors/vector-store.js';
import type { Paper } from '../src/paper/paper.js';
import { readSeedFile } from '../src/sources/seed.js';
// @ts-expect-error: a plain ESM script (scripts/ is not part of the TypeScript project)
import { startPostgres, stopPostgres } from '../scripts/test-postgres.mjs';
import { cachedJson, rng, simulatedPapers, startedSessionWith } from './bench.js';

type Row = [string, string, string, string];
const rows: Row[] = [];
const row = (what: string, embedded: string, postgres: string, target = '') => {
  rows.push([what, embedded, postgres, target]);
  process.stderr.write(`  ${what}: embedded ${embedded} | postgres ${postgres}\n`);
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const s = (x: number) => `${(x / 1000).toFixed(1)} s`;

interface Backend {
  name: 'embedded' | 'postgres';
  db: Db;
  store: PaperStore;
  vectors: PassageVectors;
  lexical?: PgLexical;
  retriever(queryEmbeddings: Embeddings): Promise<HybridRetriever>;
  close(): Promise<void>;
}

/** A library on one backend: embedded under `dir`, or PostgreSQL at `url`. */
async function backend(name: Backend['name'], dir: string, url: string, embeddings: Embeddings & { modelId: string }, dim: number): Promise<Backend> {
  const db = await openDb({ DATA_DIR: dir, DATABASE_URL: name === 'postgres' ? url : undefined });
  const store = new PaperStore(db);
  if (db instanceof PostgresDb) {
    const vectors = await PgPassageStore.open(db.pool, embeddings, dim);
    const lexical = new PgLexical(db.pool);
    return {
      name,
      db,
      store,
      vectors,
      lexical,
      retriever: async (q) => new HybridRetriever({ embeddings: q, vectors, lexical, catalog: new StoreCatalog(store) }),
      close: () => db.close(),
    };
  }
  const vectors = await VectraStore.open(path.join(dir, 'vectors', embeddings.modelId), embeddings);
  return { name, db, store, vectors, retriever: async (q) => HybridRetriever.inMemory(q, vectors, await store.all()), close: () => db.close() };
}

/** A fresh database on the test server. */
async function freshDatabase(admin: string, name: string): Promise<string> {
  const c = new pg.Client(admin);
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

/** One stand-in vector (see StandIn below): a blend of two basis vectors, or one, plus noise; unit length. */
export function standInVector(basis: number[][], rand: () => number, kind: 'blends' | 'copies'): number[] {
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const pick = () => basis[Math.floor(rand() * basis.length)]!;
  const [a, b, w] = [pick(), pick(), kind === 'blends' ? rand() * 0.5 : 0];
  const noise = a.map(() => gauss());
  const scale = (kind === 'blends' ? 0.1 : 0.35) / Math.hypot(...noise);
  const v = a.map((x, i) => x + w * b[i]! + scale * noise[i]!);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/**
 * Stand-in vectors for the size rows, drawn from the real encoder's space (SciFact abstracts embedded
 * by bge), so they keep what makes HNSW easy or hard (the encoder's anisotropy and intrinsic
 * dimension), which hashed words did not. Cheap at 100k. Two kinds:
 * - `blends` (the library of the size rows): a random mix of two abstracts (weights 1 and 0–0.5) plus
 *   Gaussian noise of norm 0.1, normalised: every paper its own point, near the ones it mixes;
 * - `copies` (a harder case, recall only): one abstract plus noise of norm 0.35: ~20 papers around
 *   each abstract, cosine ≈ 0.89 to each other, so a question's exact top 10 are near-ties.
 * Counts the time spent making them (bulk load is reported without it).
 */
class StandIn {
  spent = 0;
  constructor(
    readonly modelId: string,
    private readonly basis: number[][],
    private readonly kind: 'blends' | 'copies' = 'blends',
  ) {}
  async embedDocuments(texts: string[]) {
    const t = performance.now();
    const out = texts.map((text) => {
      let h = 2166136261;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
      return standInVector(this.basis, rng(h), this.kind);
    });
    this.spent += performance.now() - t;
    return out;
  }
  async embedQuery(t: string) {
    return (await this.embedDocuments([t]))[0]!;
  }
}

/** The real encoder's vectors computed once and served to both backends' ingests (and their queries). */
class Precomputed {
  constructor(
    readonly modelId: string,
    private readonly byText: Map<string, number[]>,
  ) {}
  async embedDocuments(texts: string[]) {
    return texts.map((t) => this.byText.get(t)!);
  }
  async embedQuery(t: string) {
    return this.byText.get(t)!;
  }
  /** The passages' vectors (not the questions'). */
  get documents(): number[][] {
    return [...this.docs];
  }
  private docs: number[][] = [];
  /** Embeds the papers' passages and the queries, or reads them from the bench cache when this model embedded exactly these texts before. */
  static async of(real: Embeddings & { modelId: string }, papers: Paper[], queries: string[]): Promise<Precomputed> {
    const texts = [...new Set(papers.flatMap((p) => denseChunks(p).map((c) => c.text)))];
    const key = createHash('sha256')
      .update(JSON.stringify([real.modelId, texts, queries]))
      .digest('hex')
      .slice(0, 16);
    const { docs, queries: qv } = await cachedJson(`vectors-${key}.json`, async () => {
      const out = { docs: await real.embedDocuments(texts), queries: [] as number[][] };
      for (const q of queries) out.queries.push(await real.embedQuery(q));
      return out;
    });
    const map = new Map(texts.map((t, i) => [t, docs[i]!]));
    for (const [i, q] of queries.entries()) map.set(q, qv[i]!);
    const out = new Precomputed(real.modelId, map);
    out.docs = docs;
    return out;
  }
}

/** Share of the exact top 10 that HNSW returns, searched as the retriever searches (200 candidates, top 10 kept). */
async function hnswRecall(store: PgPassageStore, vectors: number[][]): Promise<number> {
  let found = 0;
  for (const v of vectors) {
    const exact = await store.exactSearch(v, 10);
    const approx = (await store.similaritySearchVectorWithScore(v, 200)).slice(0, 10).map(([d]) => d.id);
    found += exact.filter((id) => approx.includes(id)).length;
  }
  return found / (vectors.length * 10);
}

async function searchLatency(retriever: HybridRetriever, questions: string[], rounds = 3) {
  const t: number[] = [];
  await retriever.search(questions[0]!, { k: 5 });
  for (let r = 0; r < rounds; r++)
    for (const q of questions) {
      const t0 = performance.now();
      await retriever.search(q, { k: 5 });
      t.push(performance.now() - t0);
    }
  return t;
}

/** nDCG@10 of the fused ranking on the seed paraphrase questions (gold = the described paper). */
async function seedNdcg(retriever: HybridRetriever, questions: { question: string; gold: string[] }[]): Promise<number> {
  let sum = 0;
  for (const q of questions) {
    const hits = await retriever.search(q.question, { k: 10, passages: 0 });
    const gains = hits.map((h) => (q.gold.includes(h.id) ? 1 : 0));
    const dcg = gains.reduce((a: number, g, i) => a + g / Math.log2(i + 2), 0);
    const ideal = q.gold.slice(0, 10).reduce((a, _g, i) => a + 1 / Math.log2(i + 2), 0);
    sum += dcg / ideal;
  }
  return sum / questions.length;
}

export async function runScale(opts: { papers: number; scifact: string; quality: boolean }): Promise<void> {
  const config = loadConfig();
  const real = await createEmbeddings(config, log);
  const disposeLater: Embeddings[] = [];
  const dim = (await real.embedQuery('dimensions')).length;
  const server = (await startPostgres()) as { url: string; dir: string };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-scale-'));
  try {
    const questions = loadQuestions(
      'eval/questions.json',
      'all',
      readSeedFile('seeds/daily-papers.txt').map((p) => p.id),
    ).filter((q) => q.kind === 'paraphrase');

    // SciFact with the real encoder, once: the quality rows' vectors, and the basis of the size rows' stand-ins.
    const beir = loadBeir(
      path.join(opts.scifact, 'corpus.jsonl'),
      path.join(opts.scifact, 'queries.train.jsonl'),
      path.join(opts.scifact, 'qrels', 'train.tsv'),
    );
    process.stderr.write(`embedding SciFact (${beir.corpus.length} abstracts) once for both backends...\n`);
    const beirVectors = await Precomputed.of(
      real,
      beir.corpus,
      beir.queries.map((q) => q.text),
    );

    // --- Quality: same vectors, both stores: seed and SciFact ---
    if (opts.quality) await qualityRows();
    async function qualityRows() {
      const seed = readSeedFile('seeds/daily-papers.txt');
      const seedVectors = await Precomputed.of(
        real,
        seed,
        questions.map((q) => q.question),
      );
      const quality: Record<string, { seed: number; scifact: number }> = {};
      let sciRecall = 0;
      for (const name of ['embedded', 'postgres'] as const) {
        const seedB = await backend(name, path.join(tmp, `seed-${name}`), await freshDatabase(server.url, `seed_${name}`), seedVectors as never, dim);
        await ingest(seed, {
          store: seedB.store,
          vectors: seedB.vectors,
          embeddings: seedVectors as never,
          ...(seedB.lexical ? { lexical: seedB.lexical } : {}),
        });
        const seedScore = await seedNdcg(await seedB.retriever(seedVectors as never), questions);
        await seedB.close();
        const sciB = await backend(name, path.join(tmp, `sci-${name}`), await freshDatabase(server.url, `sci_${name}`), beirVectors as never, dim);
        await ingest(beir.corpus, {
          store: sciB.store,
          vectors: sciB.vectors,
          embeddings: beirVectors as never,
          ...(sciB.lexical ? { lexical: sciB.lexical } : {}),
        });
        const r = await sciB.retriever(beirVectors as never);
        const qv = await Promise.all(beir.queries.map((q) => beirVectors.embedQuery(q.text)));
        const sci = await scoreBeir(r, beir, qv, r.fusion);
        if (sciB.vectors instanceof PgPassageStore) sciRecall = await hnswRecall(sciB.vectors, qv.slice(0, 200));
        await sciB.close();
        quality[name] = { seed: seedScore, scifact: sci.ndcg10 };
      }
      row('seed paraphrase questions, nDCG@10 (fused)', quality.embedded!.seed.toFixed(4), quality.postgres!.seed.toFixed(4), 'within 0.02');
      row('SciFact train nDCG@10 (fused)', quality.embedded!.scifact.toFixed(4), quality.postgres!.scifact.toFixed(4), 'within 0.02');
      row(
        'vector recall@10 against exact search, SciFact (real vectors, 200 queries, as the app searches)',
        '1.000 (exact)',
        sciRecall.toFixed(3),
        'HNSW ≥ 0.98',
      );
    }

    // --- Size: N papers, stand-in vectors ---
    const days = Math.ceil(opts.papers / 50);
    const sim = (await simulatedPapers(opts.scifact, days, 50, '2021-01-01')).slice(0, opts.papers);
    const q = questions.slice(0, 40).map((x) => x.question);
    const realQuestions = await Promise.all(q.map((x) => real.embedQuery(x)));
    // The encoder as a process on that backend has it (with PostgreSQL: one onnxruntime thread for questions).
    const asServed = { embedded: real, postgres: await createEmbeddings({ ...config, DATABASE_URL: server.url }, log) };
    disposeLater.push(asServed.postgres);
    type Session = Awaited<ReturnType<typeof startedSessionWith>>;
    const result: Record<string, { load: number; p50: number; p99: number; recall: number; leader: Session; follower?: Session }> = {};
    for (const name of ['embedded', 'postgres'] as const) {
      const dir = path.join(tmp, `size-${name}`);
      const url = await freshDatabase(server.url, `size_${name}`);
      const stand = new StandIn(real.modelId, beirVectors.documents);
      const b = await backend(name, dir, url, stand as never, dim);
      process.stderr.write(`loading ${sim.length} papers into ${name}...\n`);
      const t0 = performance.now();
      // One `paperbot ingest` of the whole set (indexes built once, after the rows are in).
      await ingest(sim, {
        store: b.store,
        vectors: b.vectors,
        embeddings: stand as never,
        saveEvery: 20_000,
        ...(b.lexical ? { lexical: b.lexical } : {}),
      });
      const load = performance.now() - t0 - stand.spent;
      // Searches: the real encoder embeds the question; the index holds stand-in vectors.
      const retriever = await b.retriever(asServed[name]);
      const lat = await searchLatency(retriever, q);
      // HNSW against exact search, real questions' vectors (Vectra searches exactly: 1 by construction).
      const recall = b.vectors instanceof PgPassageStore ? await hnswRecall(b.vectors, realQuestions) : 1;
      await b.close();
      // `paperbot start` serving this library. The first process is the leader: it also ingests the
      // 63 seed papers on top (embedding them). With PostgreSQL a second one, started while the
      // leader runs, is what every other shard is: it serves and ingests nothing.
      fs.copyFileSync('seeds/daily-papers.txt', path.join(tmp, 'seed.txt'));
      const env = { SEED_FILE: path.join(tmp, 'seed.txt'), DATABASE_URL: name === 'postgres' ? url : '' };
      const leader = await startedSessionWith(dir, env, q.slice(0, 10), { keep: name === 'postgres' });
      const follower = name === 'postgres' ? await startedSessionWith(path.join(tmp, 'follower'), env, q.slice(0, 10)) : undefined;
      await leader.stop?.();
      result[name] = { load, p50: percentile(lat, 50), p99: percentile(lat, 99), recall, leader, ...(follower ? { follower } : {}) };
    }
    // The harder stand-in, HNSW recall only: the same number of passages, vectors alone.
    const copiesRecall = await (async () => {
      const db = await openDb({ DATA_DIR: tmp, DATABASE_URL: await freshDatabase(server.url, 'size_copies') });
      try {
        const stand = new StandIn(real.modelId, beirVectors.documents, 'copies');
        const store = await PgPassageStore.open((db as PostgresDb).pool, stand as never, dim);
        const passages = sim.flatMap((p) => denseChunks(p));
        await store.bulkLoad(async () => {
          for (let i = 0; i < passages.length; i += 20_000) {
            const chunk = passages.slice(i, i + 20_000);
            const meta = chunk.map((c) => ({ paperId: c.paperId, n: c.n, hash: 'x' }));
            await store.replacePapers(new Set(chunk.map((c) => c.paperId)), await stand.embedDocuments(chunk.map((c) => c.text)), meta);
          }
        });
        return await hnswRecall(store, realQuestions);
      } finally {
        await db.close();
      }
    })();
    const e = result.embedded!;
    const p = result.postgres!;
    const n = sim.length.toLocaleString('en');
    row(`bulk load of ${n} papers (store + vectors + BM25, stand-in vectors, embedding time excluded)`, s(e.load), s(p.load), 'postgres < 60 s');
    row(
      `search p50 / p99 at ${n} papers, end to end (real encoder embeds the question)`,
      `${ms(e.p50)} / ${ms(e.p99)}`,
      `${ms(p.p50)} / ${ms(p.p99)}`,
      'postgres p50 < 30 ms, p99 < 100 ms',
    );
    row(
      `vector recall@10 against exact search at ${n} papers (stand-ins: blends of two SciFact abstracts' bge vectors; real questions, 200 candidates)`,
      e.recall.toFixed(3),
      p.recall.toFixed(3),
      'HNSW ≥ 0.98',
    );
    row(`the same, harder stand-ins: ~20 noisy copies of each abstract (a question's top 10 are near-ties)`, '1.000', copiesRecall.toFixed(3), '');
    const mb = (x: number) => Math.round(x / 1e6);
    const rss = (x: Session) => `${mb(x.rssReady)} / ${mb(x.rssAfter)} / ${mb(x.rssIdle)} MB`;
    row(`\`paperbot start\` on ${n} papers, first process (the leader): ready`, ms(e.leader.readyMs), ms(p.leader.readyMs), '< 5 s');
    row(`the same process: RSS ready / after 10 answers / 25 s idle`, rss(e.leader), rss(p.leader), 'postgres < 300 MB per process');
    row(
      `a second process on the same library (another shard: serves, ingests nothing): ready; RSS ready / after / idle`,
      '— (one process only)',
      p.follower ? `${ms(p.follower.readyMs)}; ${rss(p.follower)}` : '',
      'postgres < 300 MB per process',
    );
  } finally {
    for (const e of [real, ...disposeLater]) await (e as { dispose?: () => Promise<void> }).dispose?.();
    stopPostgres(server.dir);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('| measure | embedded (SQLite + Vectra) | PostgreSQL + pgvector | target |\n|---|---|---|---|');
  for (const [a, b, c, d] of rows) console.log(`| ${a} | ${b} | ${c} | ${d} |`);
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('bench', 'scale.ts'))) {
  const { Command } = await import('commander');
  const opts = new Command('bench:scale')
    .option('--papers <n>', 'library size for the size rows', (v) => Number.parseInt(v, 10), 100_000)
    .option('--scifact <dir>', 'BEIR SciFact folder', '../shared/data/scifact')
    .option('--no-quality', 'skip the nDCG rows (they embed SciFact with the real encoder: ~5 min)')
    .parse()
    .opts<{ papers: number; scifact: string; quality: boolean }>();
  await runScale(opts);
}
