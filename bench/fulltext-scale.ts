// Benchmark: 1,000 papers with full text on PostgreSQL (issue 25's "search p50 < 60 ms"). Prints a Markdown table.
// Run: npm run bench:fulltext-scale                 (~6 min on 2 cores, the model on disk, no network)
//      npm run bench:fulltext-scale -- --papers 300
// The PostgreSQL is the throwaway test server (scripts/test-postgres.mjs). A development tool.
//
// Stand-ins, said plainly: the papers are SciFact abstracts (real text, embedded by the real encoder);
// their bodies are the 12 ACL 2014 papers of ../shared/data/fulltext/acl2014-latexml in turn, each
// copy's passage vectors drawn around the real ones (cosine ~0.95), so sizes, passage counts and the
// index's work are real and the answers are not meant to be. Questions: eval/fulltext-questions.json,
// embedded by the real encoder, so query cost is real.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { loadBeir } from '../src/eval/beir.js';
import { percentile } from '../src/eval/metrics.js';
import { ingest } from '../src/library/ingest.js';
import { bodyHash } from '../src/library/fulltext-store.js';
import { log } from '../src/log.js';
import type { FullText, Paper } from '../src/paper/paper.js';
import { bodyPassages, passageEmbeddingText } from '../src/retrieval/body/passages.js';
import type { PgBodyIndex } from '../src/retrieval/body/pg-body-index.js';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';
// @ts-expect-error: a plain ESM script (scripts/ is not part of the TypeScript project)
import { startPostgres, stopPostgres } from '../scripts/test-postgres.mjs';
import { rng } from './bench.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const PAPERS = Number(arg('--papers', '1000'));
const DOCS = arg('--docs', '../shared/data/fulltext/acl2014-latexml');
const SCIFACT = arg('--scifact', '../shared/data/scifact');
const ms = (xs: number[], q: number) => `${percentile(xs, q).toFixed(1)} ms`;

const bodies = fs
  .readdirSync(DOCS)
  .filter((f) => /\.x?html?$/i.test(f))
  .sort()
  .map((f) => parseLatexml(fs.readFileSync(path.join(DOCS, f), 'utf8')))
  .filter((b): b is FullText => !!b);
const questions = (JSON.parse(fs.readFileSync('eval/fulltext-questions.json', 'utf8')) as { questions: { question: string }[] }).questions.map(
  (q) => q.question,
);

/** A unit vector drawn around `v` (Gaussian noise of `sigma` per dimension). */
function around(v: number[], sigma: number, next: () => number): number[] {
  const g = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const x = v.map((a) => a + sigma * g());
  const norm = Math.hypot(...x);
  return x.map((a) => a / norm);
}

const server = (await startPostgres()) as { url: string; dir: string };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-bench-fts-'));
const app = await openApp(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: server.url, LOG_LEVEL: 'warn', ALLOW_REMOTE_MODELS: '0' }), log, { leader: false });
try {
  const { corpus } = loadBeir(path.join(SCIFACT, 'corpus.jsonl'), path.join(SCIFACT, 'queries.train.jsonl'), path.join(SCIFACT, 'qrels', 'train.tsv'));
  const papers: Paper[] = [...corpus.values()]
    .slice(0, PAPERS)
    .map((d, i) => ({ id: `bench-${i}`, title: d.title || `Paper ${i}`, abstract: d.abstract, links: [], source: 'bench' }));
  let t = performance.now();
  await ingest(papers, { store: app.store, vectors: app.backend.vectors, index: app.backend.index, embeddings: app.embeddings });
  const ingestS = (performance.now() - t) / 1000;
  // Each of the 12 bodies' passages embedded once by the real encoder; every copy gets vectors drawn around them.
  const real = await Promise.all(bodies.map(async (b) => app.embeddings.embedDocuments(bodyPassages('x', b).map(passageEmbeddingText))));
  const next = rng(7);
  const index = app.backend.fullTexts.search as PgBodyIndex;
  let passages = 0;
  t = performance.now();
  await index.bulkLoad(async () => {
    for (const [i, p] of papers.entries()) {
      const body = { ...bodies[i % bodies.length]!, title: p.title, abstract: p.abstract };
      const vectors = real[i % bodies.length]!.map((v) => around(v, 0.012, next));
      passages += vectors.length;
      await app.backend.fullTexts.put({ paperId: p.id, sourceKey: `bench:${i}`, contentHash: bodyHash(body), body, model: app.embeddings.modelId, vectors });
      if (i % 50 === 49) process.stderr.write(`\r  stored ${i + 1}/${papers.length} full texts`);
    }
  });
  const loadS = (performance.now() - t) / 1000;
  process.stderr.write('\n');
  const vectors = await Promise.all(questions.map((q) => app.embeddings.embedQuery(q)));
  for (const [i, q] of questions.slice(0, 10).entries()) await app.body.bestOfEach(q, vectors[i]!);
  const search: number[] = [];
  for (const [i, q] of questions.entries()) {
    const t0 = performance.now();
    await app.body.bestOfEach(q, vectors[i]!);
    search.push(performance.now() - t0);
  }
  for (const q of questions.slice(0, 5)) await app.chain.ask(q);
  const answers: number[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    await app.chain.ask(q);
    answers.push(performance.now() - t0);
  }
  const rows = [
    ['papers · full texts · passages', `${papers.length} · ${await app.backend.fullTexts.count()} · ${passages}`, ''],
    [
      'ingest the papers (abstracts embedded) · store the full texts with their index (HNSW built after)',
      `${ingestS.toFixed(1)} s · ${loadS.toFixed(1)} s`,
      '',
    ],
    [
      `search every full text's passages (HNSW + SQL BM25, then the best papers' passages): p50 / p95 (${search.length} questions)`,
      `${ms(search, 50)} / ${ms(search, 95)}`,
      'p50 < 60 ms',
    ],
    [`question end to end (embed, papers, passages, answer): p50 / p95 / p99`, `${ms(answers, 50)} / ${ms(answers, 95)} / ${ms(answers, 99)}`, 'p99 < 1 s'],
  ];
  console.log(`| what | figure | target |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
} finally {
  await app.close();
  stopPostgres(server.dir);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
