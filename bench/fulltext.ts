// Benchmark: the seed library with a full text for every paper. Prints a Markdown table.
// Run: npm run bench:fulltext   (~3 min on 2 cores; the model on disk, no network)
// No seed paper's own full text is here, so each of the 63 seed papers gets the body of one of the
// 12 ACL 2014 papers in ../shared/data/fulltext/acl2014-latexml (in turn): sizes and passage counts
// are real, answers are not meant to be. Measures adding a paper, answering over 63 full texts, RSS.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MALLOC_ENV, NODE_FLAGS } from '../src/bot/shards.js';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { percentile } from '../src/eval/metrics.js';
import { storeDocument } from '../src/jobs/add.js';
import { ingestSeed } from '../src/jobs/update.js';
import { log } from '../src/log.js';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';

const PAPERS = process.argv[2] && process.argv[2] !== '--ask' ? process.argv[2] : '../shared/data/fulltext/acl2014-latexml';
const mb = () => Math.round(process.memoryUsage().rss / 1e6);
const ms = (xs: number[], q: number) => `${percentile(xs, q).toFixed(1)} ms`;

const readBodies = () =>
  fs
    .readdirSync(PAPERS)
    .filter((f) => /\.x?html?$/i.test(f))
    .sort()
    .map((f) => parseLatexml(fs.readFileSync(path.join(PAPERS, f), 'utf8'))!)
    .filter(Boolean);
const questions = (JSON.parse(fs.readFileSync('eval/fulltext-questions.json', 'utf8')) as { questions: { question: string }[] }).questions.map(
  (q) => q.question,
);

/** In a fresh process, as the bot would run on this library: warm up, ask every question, report times and RSS. */
async function askPhase(dataDir: string): Promise<void> {
  const app = await openApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ALLOW_REMOTE_MODELS: '0' }), log, { leader: false });
  const rssOpen = mb();
  for (const q of questions.slice(0, 5)) await app.chain.ask(q);
  const times: number[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    await app.chain.ask(q);
    times.push(performance.now() - t0);
  }
  process.stdout.write(JSON.stringify({ times, rssOpen, rss: mb() }));
  await app.close();
}

/** Adds a full text to every seed paper in a fresh library; returns add times and passage count. */
async function addPhase(dataDir: string): Promise<{ adds: number[]; passages: number; papers: number; rss: number }> {
  const bodies = readBodies();
  if (bodies.length === 0) throw new Error(`no LaTeXML papers in ${PAPERS}`);
  const app = await openApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ALLOW_REMOTE_MODELS: '0' }), log, { leader: false });
  try {
    await ingestSeed(app);
    const seed = await app.store.all();
    const adds: number[] = [];
    let passages = 0;
    for (const [i, paper] of seed.entries()) {
      const body = { ...bodies[i % bodies.length]!, title: paper.title, abstract: paper.abstract, authors: [] };
      const t0 = performance.now();
      passages += (await storeDocument(app, { body, sourceKey: `bench:${i}`, source: paper.source })).passages;
      adds.push(performance.now() - t0);
      process.stderr.write(`\r  added ${i + 1}/${seed.length}`);
    }
    process.stderr.write('\n');
    return { adds, passages, papers: seed.length, rss: mb() };
  } finally {
    await app.close();
  }
}

if (process.argv[2] === '--ask') await askPhase(process.argv[3]!);
else {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-bench-ft-'));
  try {
    const added = await addPhase(dataDir);
    // The bot's own flags (npm start): the RSS is what a running bot on this library holds.
    const child = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', fileURLToPath(import.meta.url), '--ask', dataDir], {
      env: { ...process.env, ...MALLOC_ENV, MODELS_DIR: process.env.MODELS_DIR ?? 'models' },
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) throw new Error(`the question phase failed: ${child.stderr}`);
    const asked = JSON.parse(child.stdout) as { times: number[]; rssOpen: number; rss: number };
    const rows = [
      ['full texts · passages', `${added.papers} · ${added.passages}`, ''],
      ['add one paper (embed + store; parsing aside) p50 / max', `${ms(added.adds, 50)} / ${Math.max(...added.adds).toFixed(0)} ms`, '< 8 s'],
      [
        `question over ${added.papers} full texts, end to end: p50 / p95 / p99 (${asked.times.length} questions)`,
        `${ms(asked.times, 50)} / ${ms(asked.times, 95)} / ${ms(asked.times, 99)}`,
        'p50 < 60 ms',
      ],
      [
        `RSS of a process on this library: open · after the questions (the adding process: ${added.rss} MB)`,
        `${asked.rssOpen} MB · ${asked.rss} MB`,
        '< 400 MB',
      ],
    ];
    console.log(`| what | figure | target |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
