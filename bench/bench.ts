// Benchmark: ingest speed, search latency, cold start and memory. Prints a Markdown table.
// Run: npm run bench            (seed + SciFact + a year of papers, ~15 min on 2 cores: SciFact is embedded cold)
//      npm run bench -- --quick (seed library and Discord only; add --year for the year of papers)
// A development tool, not part of the shipped CLI: it drives the bot against the test fakes.
// The encoder is the configured one (bge-small-en-v1.5 by default).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { indexBeir, loadBeir } from '../src/eval/beir.js';
import { percentile } from '../src/eval/metrics.js';
import { loadSeedQuestions } from '../src/eval/seeds.js';
import { ingest } from '../src/library/ingest.js';
import { PaperStore } from '../src/library/store.js';
import { MALLOC_ENV, NODE_FLAGS } from '../src/bot/shards.js';
import { openDb } from '../src/db/open.js';
import { LexicalIndex } from '../src/retrieval/lexical/lexical.js';
import type { HybridRetriever } from '../src/retrieval/hybrid-retriever.js';
import { loadConfig } from '../src/config.js';
import { log } from '../src/log.js';
import { createEmbeddings } from '../src/retrieval/encoders/embeddings.js';
import { TransformersEmbeddings } from '../src/retrieval/encoders/transformers.js';
import { VectraStore } from '../src/retrieval/vectors/vector-store.js';
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
function startedSession(dataDir: string, questions: string[]) {
  return startedSessionWith(dataDir, {}, questions);
}

/** V8 gives back the heap pages freed after loading once the process has been idle a while (its memory reducer). */
const IDLE_MS = 25_000;

export function startedSessionWith(
  dataDir: string,
  env: Record<string, string>,
  questions: string[],
  /** keep: leave the process running (a leader that others start beside); stop() ends it. */
  opts: { keep?: boolean } = {},
): Promise<{ readyMs: number; rssReady: number; rssAfter: number; rssIdle: number; stop?: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...NODE_FLAGS, 'bin/paperbot.js', 'start'], {
      // As `npm start` and the shard manager run it (their glibc malloc setting, unless set here).
      env: { ...MALLOC_ENV, ...process.env, DATA_DIR: dataDir, DISCORD_TOKEN: '', LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    let readyMs = 0;
    let rssReady = 0;
    let answered = false;
    const stop = () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.stdin.end('quit\n');
      });
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!readyMs) {
        readyMs = performance.now() - t0;
        rssReady = rssOf(child.pid!);
        // Answers come one after another, so "help" prints once every question is answered.
        child.stdin.write(`${questions.join('\n')}\nhelp\n`);
      }
      if (out.includes('Commands:') && !answered) {
        answered = true;
        const rssAfter = rssOf(child.pid!);
        setTimeout(() => {
          const rssIdle = rssOf(child.pid!);
          if (opts.keep) resolve({ readyMs, rssReady, rssAfter, rssIdle, stop });
          else {
            child.stdin.end('quit\n');
            resolve({ readyMs, rssReady, rssAfter, rssIdle });
          }
        }, IDLE_MS);
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
  const bot = spawn(process.execPath, [...NODE_FLAGS, 'bin/paperbot.js', 'start'], {
    env: { ...MALLOC_ENV, ...process.env, DATA_DIR: dataDir, DISCORD_TOKEN: discord.token, DISCORD_API_BASE: discord.apiBase, LOG_LEVEL: 'warn' },
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

/**
 * Vectors (or anything JSON) kept in `.cache/bench/` once computed: the benches embed SciFact with the
 * real encoder, minutes of work. The file name carries what the vectors depend on besides their
 * texts (the encoder's code and onnxruntime's version), so an upgrade or an encoder change computes
 * them again instead of reading stale ones.
 */
export async function cachedJson<T>(name: string, compute: () => Promise<T>): Promise<T> {
  const file = path.join('.cache', 'bench', name.replace(/(\.json)?$/, `-${encoderFingerprint()}.json`));
  if (fs.existsSync(file)) {
    process.stderr.write(`  (read from ${file})\n`);
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  }
  const value = await compute();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
  return value;
}

/** The encoder's code and the onnxruntime-node version, hashed (8 hex digits). */
function encoderFingerprint(): string {
  const ort = JSON.parse(fs.readFileSync(path.join('node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version as string;
  const code = fs.readFileSync(new URL('../src/retrieval/encoders/bert-onnx.ts', import.meta.url));
  return createHash('sha256').update(ort).update(code).digest('hex').slice(0, 8);
}

/** Deterministic pseudo-random generator, so simulated libraries are the same on every run. */
export function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Synthetic daily papers: titles and abstracts recombined from real SciFact abstract sentences. */
export async function simulatedPapers(scifactDir: string, days: number, perDay: number, startDay: string) {
  const { splitSentences } = await import('../src/retrieval/text.js');
  const pool = fs
    .readFileSync(path.join(scifactDir, 'corpus.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => splitSentences(String((JSON.parse(l) as { text: string }).text)))
    .filter((x) => x.length > 40 && x.length < 400);
  const rand = rng(7);
  const pick = () => pool[Math.floor(rand() * pool.length)]!;
  const out = [];
  for (let d = 0; d < days; d++) {
    const day = new Date(Date.parse(`${startDay}T06:00:00Z`) + d * 86_400_000).toISOString();
    for (let n = 0; n < perDay; n++) {
      const id = `${String(2600 + Math.floor(d / 30)).padStart(4, '0')}.${String(d * perDay + n).padStart(5, '0')}`;
      // Two fragments and the day make each title unique (a repeated title would be the same paper).
      const title = `${pick()
        .split(' ')
        .slice(0, 6)
        .join(' ')
        .replace(/[.,;:]$/, '')}: ${pick()
        .split(' ')
        .slice(0, 5)
        .join(' ')
        .replace(/[.,;:]$/, '')} (day ${d + 1}, #${n + 1})`;
      out.push({
        id,
        title,
        abstract: Array.from({ length: 7 }, pick).join(' '),
        links: [],
        source: 'hf',
        url: `https://huggingface.co/papers/${id}`,
        arxivId: id,
        upvotes: Math.floor(rand() * 100),
        publishedAt: day,
        sourceOrder: n,
      });
    }
  }
  return out;
}

/**
 * Vectors of the right shape, fast: a hashed bag of words. Only for the memory simulation, where
 * what matters is how many vectors of the real model's size the process holds, not what they mean.
 */
export class HashEmbeddings {
  constructor(
    readonly modelId: string,
    readonly dim: number,
  ) {}
  async embedDocuments(texts: string[]) {
    return texts.map((t) => {
      const v = new Array<number>(this.dim).fill(0);
      for (const w of t.toLowerCase().split(/\W+/)) if (w) v[[...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % this.dim]! += 1;
      const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
      return v.map((x) => x / n);
    });
  }
  async embedQuery(t: string) {
    return (await this.embedDocuments([t]))[0]!;
  }
}

/**
 * A day of 50 papers from the (loopback) Hugging Face API: fetch, store, embed with the configured
 * encoder and post the digest to the (loopback) Discord; then 365 such days (18,250 papers, vectors
 * from a fast stand-in of the encoder's shape) and the resident memory of `paperbot start` serving
 * that library (the real encoder answers its questions).
 */
async function yearBench(scifactDir: string, model: { modelId: string; dim: number }) {
  const { startFakeSources } = await import('../test/helpers/fake-sources.js');
  const { FakeDiscord } = await import('../test/helpers/fake-discord.js');
  const { openApp } = await import('../src/app.js');
  const { ingestSeed } = await import('../src/jobs/update.js');
  const { prepareDigest } = await import('../src/jobs/digest.js');
  const { sendDigest } = await import('../src/digest/discord.js');
  const { REST } = await import('discord.js');
  const sim = await simulatedPapers(scifactDir, 366, 50, '2025-11-26');

  // One day, end to end, on top of the seed library.
  const [sources, discord] = await Promise.all([startFakeSources(), new FakeDiscord().start()]);
  const dayDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-day-'));
  const yearDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-year-'));
  try {
    const day = sim.slice(0, 50);
    sources.days.set('2025-11-26', [
      JSON.stringify(day.map((p) => ({ paper: { id: p.id, title: p.title, summary: p.abstract, upvotes: p.upvotes, submittedOnDailyAt: p.publishedAt } }))),
    ]);
    const config = loadConfig({ ...process.env, DATA_DIR: dayDir, HF_API_BASE: sources.base, DISCORD_API_BASE: discord.apiBase, LOG_LEVEL: 'silent' });
    const app = await openApp(config, log);
    await ingestSeed(app);
    await app.retriever.search('warm up');
    const rest = new REST({ api: discord.apiBase }).setToken(discord.token);
    const t = performance.now();
    const digest = await prepareDigest(app, { source: 'hf', count: 5 }, '2025-11-26');
    await sendDigest(rest, '700000000000000001', digest, '2025-11-26');
    row(
      `a day of 50 papers: fetch + store + embed (${model.modelId}) + post the digest`,
      `${((performance.now() - t) / 1000).toFixed(1)} s (${digest.papers.length} papers posted)`,
      '',
    );
    await app.close();

    // A year: 365 more days into one library, then serve it.
    const store = new PaperStore(await openDb({ DATA_DIR: yearDir }));
    const fake = new HashEmbeddings(model.modelId, model.dim);
    const vectors = await VectraStore.open(path.join(yearDir, 'vectors', fake.modelId), fake as never);
    const t2 = performance.now();
    await ingest(readSeedFile('seeds/daily-papers.txt'), { store, vectors, embeddings: fake as never });
    for (let i = 0; i < sim.length; i += 50 * 30) await ingest(sim.slice(i, i + 1500), { store, vectors, embeddings: fake as never, saveEvery: 5000 });
    // As `paperbot ingest` does after every ingest: save the lexical index snapshot for the next start.
    const { saveLexical } = await import('../src/library/lexical-cache.js');
    const all = await store.all();
    await saveLexical(yearDir, LexicalIndex.of(all), all);
    row(
      `365 simulated days stored and indexed (${(await store.count()).toLocaleString('en')} papers, stand-in vectors)`,
      `${((performance.now() - t2) / 1000).toFixed(0)} s`,
      '',
    );
    await store.close();
    fs.copyFileSync('seeds/daily-papers.txt', path.join(yearDir, 'seed.txt'));
    const session = await startedSessionWith(yearDir, { SEED_FILE: path.join(yearDir, 'seed.txt') }, [
      'What is dataset distillation?',
      'How is insulin resistance measured?',
      'What causes inflammation in the lung?',
    ]);
    row(
      'RSS of `paperbot start` with a year of papers (18k + seed): ready / after questions / then 25 s idle',
      `${Math.round(session.rssReady / 1e6)} MB / ${Math.round(session.rssAfter / 1e6)} MB / ${Math.round(session.rssIdle / 1e6)} MB`,
      '< 500 MB',
    );
    row('cold start to ready with a year of papers', ms(session.readyMs), '< 5 s');
  } finally {
    await Promise.all([sources.close(), discord.stop()]);
    fs.rmSync(dayDir, { recursive: true, force: true });
    fs.rmSync(yearDir, { recursive: true, force: true });
  }
}

/** The question: on this machine, do worker threads or onnxruntime's own threads embed faster? */
async function threadsVsWorkers(texts: string[], modelsDir: string, model: string) {
  const rate = async (workers: number) => {
    const e = new TransformersEmbeddings({ model, modelsDir, workers });
    await e.embedQuery('warm up');
    const t = performance.now();
    await e.embedDocuments(texts);
    const r = texts.length / ((performance.now() - t) / 1000);
    await e.dispose();
    return r;
  };
  const cores = os.availableParallelism();
  // Why inputs are padded to length buckets: onnxruntime plans every new input shape on its first run.
  const { BertOnnx } = await import('../src/retrieval/encoders/bert-onnx.js');
  for (const bucket of [1, 32]) {
    const enc = await BertOnnx.load({ model, modelsDir, bucket });
    const t = performance.now();
    await enc.embed(texts.slice(0, 128), 'document');
    const rate = 128 / ((performance.now() - t) / 1000);
    row(
      `embedding 128 SciFact abstracts in a fresh session, ${bucket === 1 ? 'exact token lengths' : 'lengths padded to multiples of 32'}`,
      `${rate.toFixed(1)} abstracts/s`,
      '',
    );
  }
  row(`embedding ${texts.length} SciFact abstracts: one session, ${cores} onnxruntime threads`, `${(await rate(0)).toFixed(1)} abstracts/s`, '');
  row(`embedding ${texts.length} SciFact abstracts: ${cores} worker threads, one onnxruntime thread each`, `${(await rate(cores)).toFixed(1)} abstracts/s`, '');
}

/** How long the CLI takes to answer `--help` and a usage error (a fresh process each time; median of 7 after one warm-up). */
function cliBench(): void {
  const median = (args: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t = performance.now();
      spawnSync(process.execPath, ['bin/paperbot.js', ...args], { stdio: 'ignore' });
      if (i > 0) times.push(performance.now() - t);
    }
    return percentile(times, 50);
  };
  row('`paperbot --help` / a usage error (`ask ""`), a fresh process each', `${ms(median(['--help']))} / ${ms(median(['ask', '']))}`, '< 0.3 s');
}

export async function runBench(opts: { scifact: string; quick?: boolean; year?: boolean }): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-bench-'));
  try {
    process.stderr.write(`paperbot bench on ${os.cpus().length} cores, Node ${process.version}\n`);
    cliBench();
    // --- seed library, cold ---
    const papers = readSeedFile('seeds/daily-papers.txt');
    const config = loadConfig();
    let t = performance.now();
    const embeddings = await createEmbeddings(config, log);
    row('encoder', `${embeddings.modelId} (loaded in ${ms(performance.now() - t)})`, '');
    const store = new PaperStore(await openDb({ DATA_DIR: tmp }));
    t = performance.now();
    const vectors = await VectraStore.open(path.join(tmp, 'vectors', embeddings.modelId), embeddings);
    await ingest(papers, { store, vectors, embeddings });
    const coldS = (performance.now() - t) / 1000;
    row(
      'seed ingest, cold (63 papers, main thread, first run of each input length)',
      `${coldS.toFixed(2)} s (${(63 / coldS).toFixed(1)} abstracts/s)`,
      '≥ 25 abstracts/s',
    );
    t = performance.now();
    const again = await ingest(papers, { store, vectors, embeddings });
    row('seed re-ingest, unchanged', `${((performance.now() - t) / 1000).toFixed(3)} s (${again.embeddedPassages} embedded)`, '< 2 s');

    const { HybridRetriever } = await import('../src/retrieval/hybrid-retriever.js');
    const retriever = HybridRetriever.inMemory(embeddings, vectors, await store.all());
    const questions = loadSeedQuestions(
      'eval/seed-questions.json',
      (await store.all()).map((p) => p.id),
    ).map((q) => q.q);
    await retriever.search('warm up');
    const seedLat = await latency(retriever, questions, 3);
    row(
      'seed search p50 / p95, end to end (incl. query embedding)',
      `${ms(percentile(seedLat.endToEnd, 50))} / ${ms(percentile(seedLat.endToEnd, 95))}`,
      'p50 < 15 ms',
    );
    row('seed search p50 / p95, index only (query vector given)', `${ms(percentile(seedLat.indexOnly, 50))} / ${ms(percentile(seedLat.indexOnly, 95))}`, '');
    row('RSS of this benchmark process (seed, incl. ingest worker threads)', mb(), '');
    await store.close();

    await new Promise((r) => setTimeout(r, 200));
    const session = await startedSession(tmp, questions.slice(0, 20));
    row('cold start to ready (`paperbot start`, seed already ingested, model warm)', ms(session.readyMs), '< 5 s');
    row(
      'RSS of `paperbot start` with the seed library: ready / after answering 20 questions / then 25 s idle',
      `${Math.round(session.rssReady / 1e6)} MB / ${Math.round(session.rssAfter / 1e6)} MB / ${Math.round(session.rssIdle / 1e6)} MB`,
      '< 300 MB',
    );

    await discordBench(tmp, questions);

    const dim = (await embeddings.embedQuery('dimension')).length;
    if (!opts.quick || opts.year) await yearBench(opts.scifact, { modelId: embeddings.modelId, dim });

    if (!opts.quick) {
      // --- SciFact 5k abstracts, embedded cold into a fresh folder ---
      const dir = opts.scifact;
      const data = loadBeir(path.join(dir, 'corpus.jsonl'), path.join(dir, 'queries.train.jsonl'), path.join(dir, 'qrels', 'train.tsv'));
      t = performance.now();
      const idx = await indexBeir(data, path.join(tmp, 'scifact'), embeddings);
      const s = (performance.now() - t) / 1000;
      row(
        `SciFact ingest, cold (${data.corpus.length} abstracts, ${embeddings.modelId})`,
        `${s.toFixed(1)} s (${(data.corpus.length / s).toFixed(1)} abstracts/s)`,
        '≥ 25 abstracts/s',
      );
      const sciLat = await latency(
        idx.retriever,
        data.queries.slice(0, 200).map((q) => q.text),
        1,
      );
      row('SciFact search p50 / p95, end to end', `${ms(percentile(sciLat.endToEnd, 50))} / ${ms(percentile(sciLat.endToEnd, 95))}`, 'p50 < 25 ms');
      row('SciFact search p50 / p95, index only', `${ms(percentile(sciLat.indexOnly, 50))} / ${ms(percentile(sciLat.indexOnly, 95))}`, '');
      row('RSS with SciFact loaded (plus the seed library)', mb(), '');
      idx.close();
      if (embeddings instanceof TransformersEmbeddings)
        await threadsVsWorkers(
          data.corpus.slice(0, 384).map((p) => `${p.title}. ${p.abstract}`),
          config.MODELS_DIR,
          config.EMBEDDING_MODEL,
        );
    }
    await (embeddings as { dispose?: () => Promise<void> }).dispose?.();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('| measure | value | target |\n|---|---|---|');
  for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
}

// `npm run bench -- [--quick] [--year] [--scifact DIR]`
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { Command } = await import('commander');
  const opts = new Command('bench')
    .option('--scifact <dir>', 'BEIR SciFact folder', '../shared/data/scifact')
    .option('--quick', 'seed library and Discord only')
    .option('--year', 'with --quick: also the day-of-50 and 365-day (18k papers) simulation')
    .parse()
    .opts<{ scifact: string; quick?: boolean; year?: boolean }>();
  await runBench(opts);
}
