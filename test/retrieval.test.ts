import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalSeeds, loadSeedQuestions, recallOf } from '../src/eval/seeds.js';
import { ingest } from '../src/library/ingest.js';
import { PaperStore } from '../src/library/store.js';
import { openDb } from '../src/db/open.js';
import { fuse, fuseCandidates } from '../src/retrieval/fusion.js';
import { HybridRetriever } from '../src/retrieval/hybrid-retriever.js';
import { denseChunks, toPassages } from '../src/retrieval/passages.js';
import { splitSentences, terms } from '../src/retrieval/text.js';
import { UseLiteEmbeddings } from '../src/retrieval/encoders/use-lite.js';
import { VectraStore } from '../src/retrieval/vectors/vector-store.js';
import { readSeedFile } from '../src/sources/seed.js';

describe('text and passages', () => {
  it('keeps "et. al. (2020)" in its sentence; stored passage windows keep the rules they were cut by', () => {
    const text = 'This paper extends the work of Kataoka et. al. (2020), proposing a dataset. It works.';
    expect(splitSentences(text)).toEqual(['This paper extends the work of Kataoka et. al. (2020), proposing a dataset.', 'It works.']);
    expect(splitSentences(text, true)).toHaveLength(3);
  });

  it('splits sentences without breaking abbreviations or decimals', () => {
    expect(splitSentences('Nguyen et al. (2016) showed it. We use e.g. ResNet at 2.5 GHz. Done!')).toEqual([
      'Nguyen et al. (2016) showed it.',
      'We use e.g. ResNet at 2.5 GHz.',
      'Done!',
    ]);
  });

  it('stems and drops stop words', () => {
    expect(terms('The networks are learning representations')).toEqual(['network', 'learn', 'represent']);
  });

  it('packs whole sentences into passages with stable ids, and one dense chunk per typical abstract', () => {
    const paper = readSeedFile('seeds/daily-papers.txt')[0]!;
    const ps = toPassages(paper.id, paper.abstract);
    expect(ps.length).toBeGreaterThan(1);
    expect(ps.map((p) => p.text).join(' ')).toBe(splitSentences(paper.abstract).join(' '));
    expect(ps[1]!.id).toBe(`${paper.id}#1`);
    expect(denseChunks(paper)).toHaveLength(1);
    expect(denseChunks(paper)[0]!.text.startsWith(paper.title)).toBe(true);
  });
});

describe('lexical index snapshot', () => {
  it('reloads to the same rankings for the same library, and only for it', async () => {
    const { LexicalIndex, DEFAULT_LEXICAL } = await import('../src/retrieval/lexical/lexical.js');
    const { libraryFingerprint } = await import('../src/library/lexical-cache.js');
    const { contentHash } = await import('../src/paper/paper.js');
    const papers = readSeedFile('seeds/daily-papers.txt').map((p) => ({ ...p, contentHash: contentHash(p) }));
    const built = new LexicalIndex();
    built.add(papers.map((p) => ({ id: p.id, title: p.title, text: p.abstract })));
    const fp = libraryFingerprint(papers);
    // A paper added again (changed) replaces the old one; the snapshot leaves the old postings out.
    built.add([{ id: papers[0]!.id, title: papers[0]!.title, text: `${papers[0]!.abstract} Extra words about matryoshka dolls.` }]);
    const snap = built.snapshot(fp);
    const loaded = LexicalIndex.fromSnapshot(snap, fp)!;
    expect(loaded.size).toBe(papers.length);
    for (const q of ['dataset distillation ImageNet', 'remote sensing benchmark', 'matryoshka', 'plug and play generative'])
      expect(await loaded.search(q, 10)).toEqual(await built.search(q, 10));
    expect((await loaded.search('matryoshka dolls', 3)).map((r) => r.id)).toContain(papers[0]!.id);
    expect(await loaded.termStats(['distil', 'imagenet', 'doll'])).toEqual(await built.termStats(['distil', 'imagenet', 'doll']));
    expect((await loaded.termStats(['doll'])).df.get('doll')).toBe(1);
    expect(LexicalIndex.fromSnapshot(snap, libraryFingerprint(papers.slice(1)))).toBeUndefined();
    expect(LexicalIndex.fromSnapshot(snap, fp, { ...DEFAULT_LEXICAL, k1: 1.5 })).toBeUndefined();
    // Damaged or foreign files are "no snapshot", never an error or a wrong index.
    expect(LexicalIndex.fromSnapshot(snap.subarray(0, snap.length - 8), fp)).toBeUndefined();
    expect(LexicalIndex.fromSnapshot(snap.subarray(0, snap.length - 3), fp)).toBeUndefined();
    const garbled = Buffer.from(snap);
    garbled.write('}}}}', 12); // inside the JSON header
    expect(LexicalIndex.fromSnapshot(garbled, fp)).toBeUndefined();
    expect(LexicalIndex.fromSnapshot(Buffer.from('{"version":3}'), fp)).toBeUndefined();
    expect(LexicalIndex.fromSnapshot(Buffer.alloc(0), fp)).toBeUndefined();
  });
});

describe('lexical snapshot file', () => {
  it('is saved beside the library, replaces an older JSON snapshot, and is only reloaded for the same library', async () => {
    const { LexicalIndex } = await import('../src/retrieval/lexical/lexical.js');
    const { loadLexicalSnapshot, saveLexical } = await import('../src/library/lexical-cache.js');
    const { contentHash } = await import('../src/paper/paper.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-lexfile-'));
    try {
      const papers = readSeedFile('seeds/daily-papers.txt').map((p) => ({ ...p, contentHash: contentHash(p), addedAt: '', updatedAt: '' }));
      const index = new LexicalIndex();
      index.add(papers.map((p) => ({ id: p.id, title: p.title, text: p.abstract })));
      expect(loadLexicalSnapshot(dir, papers)).toBeUndefined(); // none yet: the caller builds the index
      fs.writeFileSync(path.join(dir, 'lexical-index.json'), '{"version":3}'); // what a MiniSearch release left
      await saveLexical(dir, index, papers);
      expect(fs.readdirSync(dir).sort()).toEqual(['lexical-index.bin']);
      const loaded = loadLexicalSnapshot(dir, papers)!;
      expect(await loaded.search('dataset distillation ImageNet', 5)).toEqual(await index.search('dataset distillation ImageNet', 5));
      // One paper changed: the snapshot is for another library.
      expect(loadLexicalSnapshot(dir, [{ ...papers[0]!, contentHash: 'other' }, ...papers.slice(1)])).toBeUndefined();
      // A damaged file only means building the index again.
      fs.writeFileSync(path.join(dir, 'lexical-index.bin'), fs.readFileSync(path.join(dir, 'lexical-index.bin')).subarray(0, 1000));
      expect(loadLexicalSnapshot(dir, papers)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fusion', () => {
  const lex = [
    { id: 'a', score: 10 },
    { id: 'b', score: 9 },
    { id: 'c', score: 1 },
  ];
  const dense = [
    { id: 'c', score: 0.9 },
    { id: 'b', score: 0.8 },
    { id: 'a', score: 0.2 },
  ];
  it('convex fusion keeps score gaps: a near-tie in BM25 is decided by the dense side', () => {
    expect(fuse(lex, dense, { method: 'convex', alpha: 0.5, rrfK: 60 }).map((r) => r.id)).toEqual(['b', 'c', 'a']);
  });
  it('alpha 1 is lexical order, alpha 0 is dense order', () => {
    expect(fuse(lex, dense, { method: 'convex', alpha: 1, rrfK: 60 })[0]!.id).toBe('a');
    expect(fuse(lex, dense, { method: 'convex', alpha: 0, rrfK: 60 })[0]!.id).toBe('c');
  });
  it('rrf uses ranks only: rescaling the scores changes nothing', () => {
    const p = { method: 'rrf', alpha: 0.6, rrfK: 60 } as const;
    const scaled = lex.map((r) => ({ id: r.id, score: r.score * r.score * 100 }));
    expect(fuse(scaled, dense, p).map((r) => r.id)).toEqual(fuse(lex, dense, p).map((r) => r.id));
    expect(fuse(lex, dense, { ...p, alpha: 1 }).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('hybrid retrieval on the seed library (real USE-lite embeddings)', () => {
  let dir: string;
  let retriever: HybridRetriever;
  let store: PaperStore;
  const embeddings = new UseLiteEmbeddings();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-retrieval-'));
    store = new PaperStore(await openDb({ DATA_DIR: dir }));
    const vectors = await VectraStore.open(path.join(dir, 'vectors'), embeddings);
    const report = await ingest(readSeedFile('seeds/daily-papers.txt'), { store, vectors, embeddings });
    expect(report.embeddedPapers).toBe(63);
    retriever = HybridRetriever.inMemory(embeddings, vectors, await store.all());
  }, 120_000);
  afterAll(async () => {
    await store.close();
    await embeddings.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a paper from a paraphrase that shares no title words', async () => {
    const hits = await retriever.search('How can a single embedding be truncated to smaller sizes and still work for retrieval?', { k: 3 });
    expect(hits[0]!.id).toBe('matryoshka-representation-learning');
    expect(hits[0]!.passages[0]!.text).toMatch(/\w/);
  });

  it('fused ranking beats BM25 alone on paraphrased questions and never loses on literal ones', async () => {
    const result = await evalSeeds(retriever, 'eval/seed-questions.json');
    const { lexical, fused } = result.recall;
    expect(fused!.paraphrase!.r1).toBeGreaterThan(lexical!.paraphrase!.r1);
    expect(fused!.literal!.r1).toBeGreaterThanOrEqual(lexical!.literal!.r1);
    expect(fused!.literal!.r3).toBeGreaterThanOrEqual(lexical!.literal!.r3);
    expect(fused!.paraphrase!.n).toBeGreaterThanOrEqual(30);
  }, 60_000);

  it('the question set covers every kind and resolves every gold id', async () => {
    const all = await store.all();
    const qs = loadSeedQuestions(
      'eval/seed-questions.json',
      all.map((p) => p.id),
    );
    expect(qs.length).toBeGreaterThanOrEqual(60);
    for (const kind of ['literal', 'paraphrase', 'multi', 'out_of_scope']) expect(qs.some((q) => q.kind === kind)).toBe(true);
    // Every gold id resolves to exactly one paper of the library.
    const ids = new Set(all.map((p) => p.id));
    for (const q of qs) for (const g of q.gold) expect(ids.has(g)).toBe(true);
  });

  it('recallOf: any gold paper for single-answer questions, the share that fits for several-paper ones', () => {
    const single = { kind: 'paraphrase' as const, q: 'x', gold: ['b'] };
    expect(recallOf(single, ['a', 'b', 'c'], 1)).toBe(0);
    expect(recallOf(single, ['a', 'b', 'c'], 3)).toBe(1);
    const multi = { kind: 'multi' as const, q: 'x', gold: ['a', 'c', 'e', 'f'] };
    expect(recallOf(multi, ['a', 'b', 'c', 'd'], 3)).toBeCloseTo(2 / 3);
    expect(recallOf(multi, ['b', 'a', 'x'], 1)).toBe(0);
    expect(recallOf({ ...multi, gold: ['a', 'c'] }, ['a', 'b', 'c'], 3)).toBe(1);
  });
});

describe('a question that names a paper', () => {
  // An encoder that puts "What is CLIP?" right on AttrSeg's abstract (which never says CLIP), as a
  // drifted encoder could: fused, AttrSeg comes first and the CLIP paper, named by its code link, after.
  class SteeredEmbeddings extends Embeddings {
    constructor(private readonly steer: Map<string, string>) {
      super({});
    }
    async embedDocuments(texts: string[]): Promise<number[][]> {
      return texts.map((t) => {
        const v = Array.from({ length: 16 }, (_, i) => Math.sin([...t].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_003, i + 1)));
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      });
    }
    async embedQuery(text: string): Promise<number[]> {
      return (await this.embedDocuments([this.steer.get(text) ?? text]))[0]!;
    }
  }
  const seed = readSeedFile('seeds/daily-papers.txt');
  const attrseg = seed.find((p) => p.title.startsWith('AttrSeg'))!;
  const clip = 'learning-transferable-visual-models-from-natural-language-supervision';
  const q = 'What is CLIP?';
  const other = 'Which papers segment images with CLIP features and attribute descriptions?';
  const modules = 'What two modules make up SDANet?';
  const embeddings = new SteeredEmbeddings(new Map([q, other, modules].map((x) => [x, denseChunks(attrseg)[0]!.text])));
  let dir: string;
  let retriever: HybridRetriever;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-named-'));
    const vectors = await VectraStore.open(path.join(dir, 'vectors'), embeddings);
    await vectors.addDocuments(
      seed.flatMap((p) => denseChunks(p).map((c) => new Document({ pageContent: c.text, metadata: { paperId: p.id, n: c.n, hash: 'h' } }))),
    );
    retriever = HybridRetriever.inMemory(embeddings, vectors, seed);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const fused = async (text: string) => fuseCandidates(await retriever.candidates(text, await embeddings.embedQuery(text)), retriever.fusion).map((r) => r.id);

  it('goes first when the question is mostly its name, the rest in fused order', async () => {
    const order = await fused(q);
    expect(order[0]).toBe(attrseg.id);
    expect(order.indexOf(clip)).toBeGreaterThan(2);
    const hits = await retriever.search(q, { k: 8 });
    expect(hits[0]!.id).toBe(clip);
    expect(hits[0]!.signals.named).toBe(true);
    expect(hits.slice(1).map((h) => h.id)).toEqual(order.filter((id) => id !== clip).slice(0, 7));
  });

  it('goes first when only it holds a word of the question written as a name ("SDANet"), however the encoder ranks it', async () => {
    const pidray = seed.find((p) => p.abstract.includes('(SDANet)'))!.id;
    const order = await fused(modules);
    expect(order[0]).toBe(attrseg.id);
    const hits = await retriever.search(modules, { k: 5 });
    expect(hits[0]!.id).toBe(pidray);
    expect(hits.slice(1).map((h) => h.id)).toEqual(order.filter((id) => id !== pidray).slice(0, 4));
  });

  it('keeps the fused order when the name is only part of the question', async () => {
    const hits = await retriever.search(other, { k: 5 });
    expect(hits.some((h) => h.signals.named)).toBe(false);
    expect(hits.map((h) => h.id)).toEqual((await fused(other)).slice(0, 5));
  });
});
