// Benchmark: ingest speed, search latency, cold start and memory. Prints a Markdown table.
// Run: npm run bench            (seed + SciFact, ~8 min on 2 cores: SciFact is embedded cold)
//      npm run bench -- --quick (seed library only)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { indexBeir, loadBeir } from '../src/eval/beir.js';
import { percentile } from '../src/eval/metrics.js';
import { loadSeedQuestions } from '../src/eval/seeds.js';
import { ingest } from '../src/library/ingest.js';
import { PaperStore } from '../src/library/store.js';
import type { HybridRetriever } from '../src/retrieval/hybrid-retriever.js';
import { UseLiteEmbeddings } from '../src/retrieval/use-lite.js';
import { VectraStore } from '../src/retrieval/vector-store.js';
import { readSeedFile } from '../src/sources/seed.js';

type Row = [string, string, string];
const rows: Row[] = [];
const row = (what: string, value: string, target = '') => {
  rows.push([what, value, target]);
  process.stderr.write(`  ${what}: ${value}\n`);
};
const mb = () => `${Math.round(process.memoryUsage().rss / 1e6)} MB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function latency(retriever: HybridRetriever, questions: string[], rounds: number) {
  const endToEnd: number[] = [];
  const indexOnly: number[] = [];
  const vectors = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const q of questions) {
      const t = performance.now();
      await retriever.search(q, { k: 5 });
      endToEnd.push(performance.now() - t);
    }
  }
  for (const q of questions) vectors.set(q, await retriever.embeddings.embedQuery(q));
  for (let r = 0; r < rounds; r++) {
    for (const q of questions) {
      const t = performance.now();
      await retriever.searchWithVector(q, vectors.get(q)!, { k: 5 });
      indexOnly.push(performance.now() - t);
    }
  }
  return { endToEnd, indexOnly };
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/**
 * `paperbot start` as users run it: time to the session's first line (library loaded, model warm),
 * and its resident memory once ready and after answering the questions, idle worker threads gone.
 */
function startedSession(dataDir: string, questions: string[]): Promise<{ readyMs: number; rssReady: number; rssAfter: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['bin/paperbot.js', 'start'], { env: { ...process.env, DATA_DIR: dataDir, DISCORD_TOKEN: '', LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let readyMs = 0;
    let rssReady = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!readyMs) {
        readyMs = performance.now() - t0;
        rssReady = rssOf(child.pid!);
        // Answers come one after another, so "help" prints once every question is answered.
        child.stdin.write(`${questions.join('\n')}\nhelp\n`);
      }
      if (out.includes('Commands:')) {
        const rssAfter = rssOf(child.pid!);
        child.stdin.end('quit\n');
        resolve({ readyMs, rssReady, rssAfter });
      }
    });
    child.on('error', reject);
  });
}

/**
 * /ask through the loopback fake Discord (the unmodified discord.js client): time from
 * INTERACTION_CREATE to the deferred acknowledgement and to the final answer, 200 sequential and
 * 200 more, 50 at once. Each interaction comes from its own user (the per-user rate limit is not
 * what is measured here).
 */
async function discordBench(dataDir: string, questions: string[]) {
  const { FakeDiscord } = await import('../test/helpers/fake-discord.js');
  const discord = await new FakeDiscord().start();
  // The bot runs as users run it (`paperbot start`, its own process); this process is Discord.
  const bot = spawn(process.execPath, ['bin/paperbot.js', 'start'], {
    env: { ...process.env, DATA_DIR: dataDir, DISCORD_TOKEN: discord.token, DISCORD_API_BASE: discord.apiBase, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await discord.ready;
  await new Promise((r) => setTimeout(r, 500));
  const one = async (q: string) => {
    const i = discord.command('ask', [{ name: 'question', type: 3, value: q }], discord.user());
    const ack = await discord.waitFor((c) => c.method === 'POST' && c.path.startsWith(`/interactions/${i.id}/`), 60_000);
    const done = await discord.waitFor((c) => c.method === 'PATCH' && c.path.includes(`/${i.token}/`), 60_000);
    return { ack: ack.at - i.at, done: done.at - i.at };
  };
  try {
    const seq: { ack: number; done: number }[] = [];
    for (let n = 0; n < 200; n++) seq.push(await one(questions[n % questions.length]!));
    const par: { ack: number; done: number }[] = [];
    for (let n = 0; n < 200; n += 50) par.push(...(await Promise.all(Array.from({ length: 50 }, (_, j) => one(questions[(n + j) % questions.length]!)))));
    const f = (xs: number[]) => `${ms(percentile(xs, 50))} / ${ms(percentile(xs, 99))}`;
    row('/ask via fake Discord, 200 sequential: deferred ack p50 / p99', f(seq.map((x) => x.ack)), 'p99 < 50 ms');
    row('/ask via fake Discord, 200 sequential: final answer p50 / p99', f(seq.map((x) => x.done)), 'p50 < 300 ms, p99 < 1 s');
    row('/ask via fake Discord, 50 at once (×4): deferred ack p50 / p99', f(par.map((x) => x.ack)), '');
    row('/ask via fake Discord, 50 at once (×4): final answer p50 / p99', f(par.map((x) => x.done)), '');
    row('/ask interactions answered / sent', `${seq.length + par.length} / 400`, 'nothing lost');
  } finally {
    bot.kill('SIGTERM');
    await new Promise((r) => bot.once('exit', r));
    await discord.stop();
  }
}

export async function runBench(opts: { scifact: string; quick?: boolean }): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-bench-'));
  try {
    process.stderr.write(`paperbot bench on ${os.cpus().length} cores, Node ${process.version}\n`);
    // --- seed library, cold ---
    const papers = readSeedFile('seeds/daily-papers.txt');
    const embeddings = new UseLiteEmbeddings();
    const store = new PaperStore(tmp);
    let t = performance.now();
    const vectors = await VectraStore.open(path.join(tmp, 'vectors', embeddings.modelId), embeddings);
    const first = await ingest(papers, { store, vectors, embeddings });
    const coldS = (performance.now() - t) / 1000;
    row('seed ingest, cold (63 papers, incl. model load)', `${coldS.toFixed(2)} s (${(63 / coldS).toFixed(1)} abstracts/s)`, '≥ 15 abstracts/s');
    void first;
    t = performance.now();
    const again = await ingest(papers, { store, vectors, embeddings });
    row('seed re-ingest, unchanged', `${((performance.now() - t) / 1000).toFixed(3)} s (${again.embeddedPassages} embedded)`, '< 2 s');

    const { HybridRetriever } = await import('../src/retrieval/hybrid-retriever.js');
    const retriever = new HybridRetriever(embeddings, vectors, store.all());
    const questions = loadSeedQuestions('eval/seed-questions.json', store.all().map((p) => p.id)).map((q) => q.q);
    await retriever.search('warm up');
    const seedLat = await latency(retriever, questions, 3);
    row('seed search p50 / p95, end to end (incl. query embedding)', `${ms(percentile(seedLat.endToEnd, 50))} / ${ms(percentile(seedLat.endToEnd, 95))}`, 'p50 < 10 ms');
    row('seed search p50 / p95, index only (query vector given)', `${ms(percentile(seedLat.indexOnly, 50))} / ${ms(percentile(seedLat.indexOnly, 95))}`, '');
    row('RSS of this benchmark process (seed, incl. ingest worker threads)', mb(), '');
    store.close();

    await new Promise((r) => setTimeout(r, 200));
    const session = await startedSession(tmp, questions.slice(0, 20));
    row('cold start to ready (`paperbot start`, seed already ingested, model warm)', ms(session.readyMs), '< 5 s');
    row('RSS of `paperbot start` with the seed library: ready / after answering 20 questions', `${Math.round(session.rssReady / 1e6)} MB / ${Math.round(session.rssAfter / 1e6)} MB`, '< 300 MB');

    await discordBench(tmp, questions);

    if (!opts.quick) {
      // --- SciFact 5k abstracts, embedded cold into a fresh folder ---
      const dir = opts.scifact;
      const data = loadBeir(path.join(dir, 'corpus.jsonl'), path.join(dir, 'queries.train.jsonl'), path.join(dir, 'qrels', 'train.tsv'));
      t = performance.now();
      const idx = await indexBeir(data, path.join(tmp, 'scifact'), embeddings);
      const s = (performance.now() - t) / 1000;
      row(`SciFact ingest, cold (${data.corpus.length} abstracts)`, `${s.toFixed(1)} s (${(data.corpus.length / s).toFixed(1)} abstracts/s)`, '≥ 15 abstracts/s');
      const sciLat = await latency(idx.retriever, data.queries.slice(0, 200).map((q) => q.text), 1);
      row('SciFact search p50 / p95, end to end', `${ms(percentile(sciLat.endToEnd, 50))} / ${ms(percentile(sciLat.endToEnd, 95))}`, 'p50 < 25 ms');
      row('SciFact search p50 / p95, index only', `${ms(percentile(sciLat.indexOnly, 50))} / ${ms(percentile(sciLat.indexOnly, 95))}`, '');
      row('RSS with SciFact loaded (plus the seed library)', mb(), '');
      idx.close();
    }
    await embeddings.dispose();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('| measure | value | target |\n|---|---|---|');
  for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
}
