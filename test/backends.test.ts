import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ingestFrom, ingestSeed } from '../src/jobs/update.js';
import { log } from '../src/log.js';
import { createContext } from '../src/commands/context.js';
import type { LexicalIndex } from '../src/retrieval/lexical/lexical.js';
import type { PgPassageStore } from '../src/retrieval/vectors/pg-vector-store.js';
import { readSeedFile } from '../src/sources/seed.js';
import { makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';
import fs from 'node:fs';

// The same library on both backends, with the real encoder: the shared (PostgreSQL) backend must
// rank and answer as the embedded one does, and every process must see one library.
const QUESTIONS = JSON.parse(fs.readFileSync('eval/questions.json', 'utf8')) as { questions: { question: string }[] };
const questions = QUESTIONS.questions.slice(0, 40).map((q) => q.question);

const open = (b: TestBackend) =>
  openApp(loadConfig({ DATA_DIR: b.dataDir, DATABASE_URL: b.url, MODELS_DIR: path.resolve('models'), ALLOW_REMOTE_MODELS: '0', LOG_LEVEL: 'silent' }), log, {
    leader: false,
  });

describe.skipIf(skipBackend('postgres'))('PostgreSQL backend = embedded backend', () => {
  let sqlite: TestBackend;
  let postgres: TestBackend;
  let embedded: App;
  let shared: App;
  beforeAll(async () => {
    sqlite = await makeBackend('sqlite');
    postgres = await makeBackend('postgres');
    embedded = await open(sqlite);
    shared = await open(postgres);
    await ingestSeed(embedded);
    expect(await ingestSeed(shared)).toMatch(/63 new.*embedded 63 passages/);
  }, 240_000);
  afterAll(async () => {
    await embedded?.close();
    await shared?.close();
    await sqlite?.drop();
    await postgres?.drop();
  });

  it('re-ingesting an unchanged library embeds and indexes nothing', async () => {
    expect(await ingestSeed(shared)).toMatch(/0 new, 0 changed, 63 unchanged\); embedded 0 passages/);
    expect(await shared.backend.vectors.size()).toBe(await embedded.backend.vectors.size());
  });

  it('BM25 in the database scores exactly as the in-memory index', async () => {
    const mem = embedded.retriever.lexical as LexicalIndex;
    for (const q of [...questions.slice(0, 15), 'dataset distillation ImageNet', 'What is CLIP?', 'SwinV2']) {
      // Every match (the library has 63 papers): equal scores may come in either order, so ties are broken by id.
      const norm = (rs: { id: string; score: number }[]) =>
        rs.map((r) => ({ id: r.id, score: Number(r.score.toFixed(6)) })).sort((x, y) => y.score - x.score || x.id.localeCompare(y.id));
      const a = norm(await mem.search(q, 100));
      const b = norm(await shared.retriever.lexical.search(q, 100));
      expect(b).toEqual(a);
    }
    const words = ['distil', 'imagenet', 'neverseenword'];
    expect(await shared.retriever.lexical.termStats(words)).toEqual(await mem.termStats(words));
  });

  it('HNSW finds what exact search finds (recall@10 over the question set)', async () => {
    const store = shared.backend.vectors as PgPassageStore;
    let found = 0;
    for (const q of questions) {
      const v = await shared.embeddings.embedQuery(q);
      const exact = await store.exactSearch(v, 10);
      const approx = (await store.similaritySearchVectorWithScore(v, 10)).map(([d]) => d.id);
      found += exact.filter((id) => approx.includes(id)).length;
    }
    expect(found / (questions.length * 10)).toBeGreaterThanOrEqual(0.98);
  });

  it('same rankings and same answers on both backends', async () => {
    for (const q of questions) {
      const a = await embedded.retriever.search(q, { k: 5 });
      const b = await shared.retriever.search(q, { k: 5 });
      expect(b.map((h) => h.id)).toEqual(a.map((h) => h.id));
      for (const [i, h] of b.entries()) expect(h.score).toBeCloseTo(a[i]!.score, 3);
    }
    for (const q of questions.slice(0, 10)) {
      const a = await embedded.chain.ask(q);
      const b = await shared.chain.ask(q);
      expect({ answer: b.answer, cited: b.citations.map((c) => c.id) }).toEqual({ answer: a.answer, cited: a.citations.map((c) => c.id) });
    }
  }, 120_000);

  it('a conversation and the evidence behind an answer carry over to another process (another shard, or a restart)', async () => {
    const other = await open(postgres);
    try {
      const first = await shared.chain.ask('What is CLIP?', 'dm:alice');
      expect(first.citations[0]!.id).toBe('learning-transferable-visual-models-from-natural-language-supervision');
      const follow = await other.chain.ask('and which dataset did they train on?', 'dm:alice');
      expect(follow.citations[0]!.id).toBe('learning-transferable-visual-models-from-natural-language-supervision');
      expect(follow.answer).toMatch(/400 million/);
      const a = createContext(shared, log, 6);
      const b = createContext(other, log, 6);
      await a.answers.set('k1', first);
      expect(await b.answers.get('k1')).toEqual(first);
      expect(await b.searches.get('missing')).toBeUndefined();
    } finally {
      await other.close();
    }
  }, 60_000);
});

describe.skipIf(skipBackend('postgres'))('PostgreSQL backend shared by processes', () => {
  it('a paper one process ingests is found at once by another process on the same database', async () => {
    // Its own database with a small library: the 64th paper must not change what the tests above compare.
    const own = await makeBackend('postgres');
    const writer = await open(own);
    const other = await open(own);
    try {
      const seedPapers = readSeedFile('seeds/daily-papers.txt');
      const few = path.join(own.dataDir, 'few.txt');
      fs.writeFileSync(
        few,
        seedPapers
          .slice(0, 5)
          .map((p) => `${p.title}\n\n${p.abstract}\n`)
          .join('\n'),
      );
      expect(await ingestFrom(writer, { source: 'seed', seed: few })).toMatch(/5 new/);
      const file = path.join(own.dataDir, 'one.txt');
      fs.writeFileSync(
        file,
        [
          'Zebra Finch Song Learning With Spiking Transformers',
          '',
          'We model how juvenile zebra finches learn to sing from a tutor with a spiking transformer that imitates syllables, and release birdsong recordings.',
          '',
        ].join('\n'),
      );
      expect(seedPapers.some((p) => /zebra/i.test(p.title))).toBe(false);
      const before = await other.retriever.search('How do young songbirds learn to sing from a tutor?', { k: 3 });
      expect(before.some((h) => /Zebra/.test(h.title))).toBe(false);
      expect(await ingestFrom(writer, { source: 'seed', seed: file })).toMatch(/1 new/);
      const after = await other.retriever.search('How do young songbirds learn to sing from a tutor?', { k: 3 });
      expect(after[0]!.title).toBe('Zebra Finch Song Learning With Spiking Transformers');
      expect(await other.catalog.count()).toBe(6);
      expect((await other.catalog.matchTitles(['zebra', 'fin'], 5)).map((p) => p.title)).toEqual([after[0]!.title]);
    } finally {
      await Promise.all([writer.close(), other.close()]);
      await own.drop();
    }
  }, 60_000);
});
