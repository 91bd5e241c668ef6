// Benchmark: the seed library with a full text for every paper. Prints a Markdown table.
// Run: npm run bench:fulltext   (~3 min on 2 cores; the model on disk, no network)
// No seed paper's own full text is here, so each of the 63 seed papers gets the body of one of the
// 12 ACL 2014 papers in ../shared/data/fulltext/acl2014-latexml (in turn): sizes and passage counts
// are real, answers are not meant to be. Measures adding a paper, answering over 63 full texts, RSS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { percentile } from '../src/eval/metrics.js';
import { storeDocument } from '../src/jobs/add.js';
import { ingestSeed } from '../src/jobs/update.js';
import { log } from '../src/log.js';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';

const PAPERS = process.argv[2] ?? '../shared/data/fulltext/acl2014-latexml';
const mb = () => Math.round(process.memoryUsage().rss / 1e6);
const ms = (xs: number[], q: number) => `${percentile(xs, q).toFixed(1)} ms`;

const bodies = fs
  .readdirSync(PAPERS)
  .filter((f) => /\.x?html?$/i.test(f))
  .sort()
  .map((f) => parseLatexml(fs.readFileSync(path.join(PAPERS, f), 'utf8'))!)
  .filter(Boolean);
if (bodies.length === 0) throw new Error(`no LaTeXML papers in ${PAPERS}`);
const questions = (JSON.parse(fs.readFileSync('eval/fulltext-questions.json', 'utf8')) as { questions: { question: string }[] }).questions.map(
  (q) => q.question,
);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-bench-ft-'));
const app = await openApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ALLOW_REMOTE_MODELS: '0' }), log, { leader: false });
try {
  await ingestSeed(app);
  const seed = await app.store.all();
  const adds: number[] = [];
  let passages = 0;
  for (const [i, paper] of seed.entries()) {
    const body = { ...bodies[i % bodies.length]!, title: paper.title, abstract: paper.abstract, authors: [] };
    const t0 = performance.now();
    const added = await storeDocument(app, { body, sourceKey: `bench:${i}`, source: paper.source });
    adds.push(performance.now() - t0);
    passages += added.passages;
    process.stderr.write(`\r  added ${i + 1}/${seed.length}`);
  }
  process.stderr.write('\n');
  const rssAfterAdd = mb();
  for (const q of questions.slice(0, 5)) await app.chain.ask(q); // warm-up
  const times: number[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    await app.chain.ask(q);
    times.push(performance.now() - t0);
  }
  const rows = [
    ['full texts · passages', `${seed.length} · ${passages}`, ''],
    ['add one paper (parse aside: embed + store) p50 / max', `${ms(adds, 50)} / ${Math.max(...adds).toFixed(0)} ms`, '< 8 s'],
    [
      `question over ${seed.length} full texts, end to end: p50 / p95 / p99 (${questions.length} questions)`,
      `${ms(times, 50)} / ${ms(times, 95)} / ${ms(times, 99)}`,
      'p50 < 60 ms',
    ],
    ['RSS after adding them · after the questions', `${rssAfterAdd} MB · ${mb()} MB`, '< 400 MB'],
  ];
  console.log(`| what | figure | target |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
} finally {
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
