// Benchmark: HNSW parameters on pgvector: recall@10 (top 10 of 200 candidates) against exact search,
// query time and index build time, on 150k stand-in vectors from bge's space (blends of two SciFact
// abstracts plus noise, as in bench:scale) with 200 real questions embedded by the encoder; the index on
// the float4 column or on float2 (halfvec) copies.
// Run: npm run bench:hnsw   (~12 min on 2 cores; SciFact vectors are cached in .cache/bench/)
// The PostgreSQL is the throwaway test server (scripts/test-postgres.mjs). A development tool.
import fs from 'node:fs';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { log } from '../src/log.js';
import { createEmbeddings } from '../src/retrieval/encoders/embeddings.js';
import { loadQuestions } from '../src/eval/questions.js';
import { readSeedFile } from '../src/sources/seed.js';
import { percentile } from '../src/eval/metrics.js';
// @ts-expect-error: a plain ESM script (scripts/ is not part of the TypeScript project)
import { startPostgres, stopPostgres } from '../scripts/test-postgres.mjs';
import { cachedJson, rng } from './bench.js';
import { standInVector } from './scale.js';
/** CPU time the whole machine spent busy so far (the build runs in server processes; nothing else runs during the bench). */
const busyCoreSeconds = () => {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]!) / 100;
};
const real = await createEmbeddings(loadConfig(), log);
const basis = await cachedJson('scifact-bge-vectors.json', () =>
  real.embedDocuments(
    fs
      .readFileSync('../shared/data/scifact/corpus.jsonl', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const o = JSON.parse(l);
        return `${o.title}. ${o.text}`;
      }),
  ),
);
// 200 questions: the seed's 40 paraphrases and 160 SciFact claims (40 alone gave ±0.03 between runs).
// The seed's are off the stand-ins' (biomedical) topics, where neighbours are many near-ties: harder.
const SEED_QUESTIONS = 40;
const qs = [
  ...loadQuestions(
    'eval/questions.json',
    'all',
    readSeedFile('seeds/daily-papers.txt').map((p) => p.id),
  )
    .filter((q) => q.kind === 'paraphrase')
    .slice(0, SEED_QUESTIONS)
    .map((x) => x.question),
  ...fs
    .readFileSync('../shared/data/scifact/queries.train.jsonl', 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 160)
    .map((l) => JSON.parse(l).text as string),
];
const qv = await Promise.all(qs.map((q) => real.embedQuery(q)));
const rand = rng(11);
const N = 150_000;
const rows: string[] = [];
for (let i = 0; i < N; i++) {
  const v = standInVector(basis, rand, 'blends');
  rows.push(`[${v.map((x) => x.toFixed(6)).join(',')}]`);
}
const server = await startPostgres();
const c = new pg.Client(server.url);
await c.connect();
console.log(
  '| index on | m | ef_construction | ef_search | recall@10 | seed paraphrases | SciFact claims | query p50 | build | build CPU (core-s) | index size |\n|---|---|---|---|---|---|---|---|---|---|---|',
);
try {
  await c.query('CREATE EXTENSION vector');
  await c.query('CREATE TABLE t (id int primary key, e vector(384))');
  for (let i = 0; i < N; i += 5000)
    await c.query('INSERT INTO t SELECT * FROM unnest($1::int[], $2::vector[])', [rows.slice(i, i + 5000).map((_, j) => i + j), rows.slice(i, i + 5000)]);
  const exact: number[][] = [];
  await c.query('SET enable_indexscan = off');
  for (const v of qv) exact.push((await c.query('SELECT id FROM t ORDER BY e <=> $1::vector LIMIT 10', [`[${v.join(',')}]`])).rows.map((r) => r.id));
  await c.query('RESET enable_indexscan');
  await c.query("SET maintenance_work_mem = '1GB'");
  // `vector`: the column's float4s; `halfvec`: an expression index on float2 copies (half the pages).
  const kinds = {
    vector: { on: 'e vector_cosine_ops', key: 'e', cast: 'vector' },
    halfvec: { on: '(e::halfvec(384)) halfvec_cosine_ops', key: 'e::halfvec(384)', cast: 'halfvec(384)' },
  };
  for (const [kind, m, efc] of [
    ['vector', 16, 64],
    ['vector', 16, 128],
    ['vector', 24, 64],
    ['halfvec', 16, 40],
    ['halfvec', 16, 48],
    ['halfvec', 16, 64],
    ['halfvec', 16, 128],
  ] as const) {
    const k = kinds[kind];
    await c.query('DROP INDEX IF EXISTS t_h');
    const t0 = performance.now();
    const cpu0 = busyCoreSeconds();
    await c.query(`CREATE INDEX t_h ON t USING hnsw (${k.on}) WITH (m = ${m}, ef_construction = ${efc})`);
    const build = (performance.now() - t0) / 1000;
    const buildCpu = busyCoreSeconds() - cpu0;
    const size = (await c.query("SELECT pg_size_pretty(pg_relation_size('t_h')) AS s")).rows[0].s;
    for (const ef of [300, 400, 600]) {
      await c.query(`SET hnsw.ef_search = ${ef}`);
      const found = [0, 0]; // seed questions, SciFact claims
      const lat: number[] = [];
      for (const round of [0, 1])
        for (const [i, v] of qv.entries()) {
          const t = performance.now();
          const got = (await c.query(`SELECT id FROM t ORDER BY ${k.key} <=> $1::${k.cast} LIMIT 200`, [`[${v.join(',')}]`])).rows
            .slice(0, 10)
            .map((r) => r.id);
          if (round === 0) continue; // the first round warms the index's pages
          lat.push(performance.now() - t);
          found[i < SEED_QUESTIONS ? 0 : 1]! += exact[i]!.filter((x) => got.includes(x)).length;
        }
      const r = (n: number, of: number) => (n / (of * 10)).toFixed(3);
      console.log(
        `| ${kind} | ${m} | ${efc} | ${ef} | ${r(found[0]! + found[1]!, qv.length)} | ${r(found[0]!, SEED_QUESTIONS)} | ${r(found[1]!, qv.length - SEED_QUESTIONS)} | ${percentile(lat, 50).toFixed(1)} ms | ${build.toFixed(1)} s | ${buildCpu.toFixed(1)} | ${size} |`,
      );
    }
  }
} finally {
  await c.end();
  stopPostgres(server.dir);
  await (real as { dispose?: () => Promise<void> }).dispose?.();
}
