import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { aliasesOf, aliasText } from '../src/retrieval/aliases.js';
import { DEFAULT_LEXICAL, LexicalIndex, type LexicalDoc } from '../src/retrieval/lexical/lexical.js';
import { terms } from '../src/retrieval/text.js';
import { readSeedFile } from '../src/sources/seed.js';

// The embedded BM25 index must score as MiniSearch 7 (the library it replaced, kept here as the
// oracle): every score the same to the last bit, equal scores in the same order.
function miniSearch(docs: LexicalDoc[]) {
  const { k1, b, titleBoost, aliasBoost } = DEFAULT_LEXICAL;
  const mini = new MiniSearch<LexicalDoc>({
    fields: ['title', 'text', 'aliases'],
    idField: 'id',
    tokenize: (text: string) => terms(text),
    processTerm: (term: string) => term,
    searchOptions: { bm25: { k: k1, b, d: 0 } },
  });
  const add = (batch: LexicalDoc[]) => {
    for (const d of batch) if (mini.has(d.id)) mini.discard(d.id);
    mini.addAll(batch);
  };
  add(docs);
  const search = (q: string) =>
    mini
      .search(q, { boost: { title: titleBoost, aliases: aliasBoost }, prefix: false, fuzzy: false, combineWith: 'OR' })
      .map((r) => ({ id: String(r.id), score: r.score }));
  return { mini, add, search };
}

const seed = readSeedFile('seeds/daily-papers.txt');
const seedDocs: LexicalDoc[] = seed.map((p) => ({ id: p.id, title: p.title, text: p.abstract, aliases: aliasText(p.title, aliasesOf(p)) }));
const QUERIES = [
  'dataset distillation ImageNet',
  'What is CLIP?',
  'SwinV2',
  'remote sensing remote sensing benchmark', // a repeated word counts twice in the score, once in the matched-terms factor
  'How can you synthesize pictures for any of the thousand ImageNet categories by climbing a gradient?',
  'self-supervised medical image segmentation pretraining',
  'neural architecture search one-shot supernet',
  'x-ray prohibited items security',
  'model', // a word in most abstracts
  'zzzz unknownword',
  '',
];

describe('embedded BM25 index', () => {
  it('scores exactly as MiniSearch on the seed library', async () => {
    const ours = new LexicalIndex();
    ours.add(seedDocs);
    const oracle = miniSearch(seedDocs);
    for (const q of QUERIES) expect(await ours.search(q, 1000), q).toEqual(oracle.search(q));
    const words = ['distil', 'imagenet', 'model', 'neverseenword'];
    const stats = await ours.termStats(words);
    expect(stats.docs).toBe(seed.length);
    for (const w of words) expect(stats.df.get(w), w).toBe(seedDocs.filter((d) => terms(`${d.title} ${d.text} ${d.aliases}`).includes(w)).length);
  });

  it('compacts once replaced papers pass a quarter of the library, with the same scores, order and term stats', async () => {
    const ours = new LexicalIndex();
    ours.add(seedDocs);
    const oracle = miniSearch(seedDocs);
    const discarded: number[] = [];
    for (let round = 0; round < 6; round++) {
      // Five papers change each round (a long-running bot re-ingesting revised abstracts).
      const changed = seedDocs.slice(round * 5, round * 5 + 5).map((d) => ({ ...d, text: `${d.text} Revision ${round}: dataset distillation again.` }));
      ours.add(changed);
      oracle.add(changed);
      await oracle.mini.vacuum();
      discarded.push(ours.discarded);
      expect(ours.size).toBe(seed.length);
      for (const q of [...QUERIES, 'revision dataset distillation']) expect(await ours.search(q, 1000), `${round}: ${q}`).toEqual(oracle.search(q));
      expect((await ours.termStats(['revis'])).df.get('revis')).toBe(Math.min(seed.length, (round + 1) * 5));
    }
    // Held until they pass a quarter of the 63 papers (16), then dropped.
    expect(discarded).toEqual([5, 10, 15, 0, 5, 10]);
    // A snapshot leaves them out (compacting first); the index goes on the same.
    const reloaded = LexicalIndex.fromSnapshot(ours.snapshot('fp'), 'fp')!;
    expect(ours.discarded).toBe(0);
    for (const q of QUERIES) {
      expect(await reloaded.search(q, 1000), q).toEqual(oracle.search(q));
      expect(await ours.search(q, 1000), q).toEqual(oracle.search(q));
    }
  });

  it('stays equal through papers added again (changed), papers without aliases and empty fields', async () => {
    const ours = new LexicalIndex();
    const first = seedDocs.slice(0, 40).map((d, i) => (i % 3 === 0 ? { id: d.id, title: d.title, text: d.text } : d));
    const edge: LexicalDoc[] = [
      { id: 'empty', title: '', text: '' },
      { id: 'repeats', title: 'Distillation distillation', text: `${'ImageNet '.repeat(50)}distillation`, aliases: '' },
    ];
    ours.add([...first, ...edge]);
    const oracle = miniSearch([...first, ...edge]);
    // Half the papers change (new abstracts), and the rest of the library arrives.
    const changed = seedDocs.slice(0, 20).map((d) => ({ ...d, text: `${d.text} Revised: we also study dataset distillation at scale.` }));
    ours.add([...changed, ...seedDocs.slice(40)]);
    oracle.add([...changed, ...seedDocs.slice(40)]);
    // MiniSearch drops a changed paper's old postings lazily, with an IDF off until then: compare a clean one.
    await oracle.mini.vacuum();
    expect(ours.size).toBe(oracle.mini.documentCount);
    for (const q of [...QUERIES, 'revised distillation at scale']) expect(await ours.search(q, 1000), q).toEqual(oracle.search(q));
    const reloaded = LexicalIndex.fromSnapshot(ours.snapshot('fp'), 'fp')!;
    for (const q of QUERIES) expect(await reloaded.search(q, 1000), q).toEqual(oracle.search(q));
    expect((await ours.termStats(['revis'])).df.get('revis')).toBe(20);
  });

  it('caps a term frequency per field without spilling into the next field', async () => {
    const docs: LexicalDoc[] = [
      { id: 'long', title: 'A survey', text: `${'tokenizer '.repeat(1500)}end`, aliases: '' },
      { id: 'other', title: 'Tokenizer', text: 'a short abstract about something else', aliases: '' },
      ...seedDocs.slice(0, 10),
    ];
    const ours = new LexicalIndex();
    ours.add(docs);
    const oracle = miniSearch(docs);
    const [a, b] = [await ours.search('tokenizer', 10), oracle.search('tokenizer')];
    expect(a.map((r) => r.id)).toEqual(b.map((r) => r.id));
    const score = (rs: { id: string; score: number }[], id: string) => rs.find((r) => r.id === id)!.score;
    // 1500 occurrences count as 1023: BM25 saturation makes that a difference in the fourth digit.
    expect(score(a, 'long')).not.toBe(score(b, 'long'));
    expect(score(a, 'long')).toBeCloseTo(score(b, 'long'), 2);
    expect(score(a, 'other')).toBe(score(b, 'other')); // the title match is untouched by the long abstract
    expect(await ours.search('survey', 10)).toEqual(oracle.search('survey'));
  });

  it('returns at most `limit` results, best first', async () => {
    const ours = new LexicalIndex();
    ours.add(seedDocs);
    const all = await ours.search('image classification dataset', 1000);
    const top = await ours.search('image classification dataset', 5);
    expect(all.length).toBeGreaterThan(5);
    expect(top).toEqual(all.slice(0, 5));
    for (let i = 1; i < all.length; i++) expect(all[i]!.score).toBeLessThanOrEqual(all[i - 1]!.score);
  });
});
