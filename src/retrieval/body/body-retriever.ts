import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/db.js';
import type { FullText } from '../../paper/paper.js';
import { saturation } from '../lexical/lexical.js';
import { terms } from '../text.js';
import { bodyPassages, passageWords, type BodyPassage } from './passages.js';

/** A paper's stored full text: the parsed body, where it came from, and its passages' vectors. */
export interface FullTextRecord {
  paperId: string;
  /** What was read: `arxiv:<id>v<N>`, or `file:<sha256>` for a local document. */
  sourceKey: string;
  /** Hash of the parsed body: the same text is never embedded twice. */
  contentHash: string;
  body: FullText;
  /** The encoder the vectors are for (`embeddings.modelId`). */
  model: string;
  /** One unit vector per passage of bodyPassages(paperId, body), in order. */
  vectors: Float32Array[];
  /** The document's web address (arXiv's HTML page), for links to a section's anchor. */
  url?: string;
}

/** Where full texts are kept (both backends' databases implement it, in library/). */
export interface FullTextSource {
  load(paperId: string): Promise<FullTextRecord | undefined>;
  /** Which of these papers have a full text. */
  withFullText(paperIds: string[]): Promise<Set<string>>;
  /** Papers with a full text, at most `limit` of them. */
  paperIds(limit: number): Promise<string[]>;
  /** An index of every full text's passages (PostgreSQL): a question about no particular paper searches it instead of every body in memory. */
  readonly search?: BodySearch;
}

/** Search over every full text's passages at once, whatever their number. */
export interface BodySearch {
  /** The papers whose passages best match the question (words and meaning), best first, at most `papers`. */
  candidates(question: string, vector: number[], papers: number): Promise<string[]>;
  /** How many full texts hold each term, and how many full texts there are. */
  paperFrequencies(terms: string[]): Promise<{ docs: number; df: Map<string, number> }>;
}

/** A full text's passages as an index takes them. */
export interface BodyIndexEntry {
  paperId: string;
  contentHash: string;
  model: string;
  passages: BodyPassage[];
  vectors: ArrayLike<number>[];
}

/** A passage index kept beside the full texts, written in the same transaction as the text. */
export interface BodyIndex extends BodySearch {
  write(tx: Db, entry: BodyIndexEntry): Promise<void>;
  /** Full texts the index does not hold at their current content. */
  stale(): Promise<string[]>;
}

/** A body passage ranked for a question, with the link to its section when the document has a web address. */
export interface BodyHit {
  passage: BodyPassage;
  score: number;
  /** Cosine similarity to the question, and the share of the question's terms it holds (0..1). */
  dense: number;
  coverage: number;
  url?: string;
}

/** What the share of the question's words held adds to a best passage's cosine when papers are compared. */
export const ACROSS_COVERAGE_WEIGHT = 0.5;

/** Full texts searched all at once for a question about no particular paper, at most (each is kept in memory), without an index. */
export const SEARCH_ALL_MAX = 128;

/** With an index (PostgreSQL), the papers its search hands on to be ranked passage by passage. */
const INDEX_CANDIDATES = 10;

/**
 * What a question word counts, in ranking a paper's passages, when it is a word of the paper's title:
 * those words name the paper ("which corpus were the embeddings learned from for semantic hierarchy
 * construction?"), and its introduction and conclusion repeat them; the other words find the passage.
 */
export const TITLE_TERM_WEIGHT = 0.5;

/** BM25's weight beside cosine similarity in a passage's score (both about 0..1 within a paper). */
const LEXICAL_WEIGHT = 1;

interface LoadedPaper {
  record: FullTextRecord;
  passages: BodyPassage[];
  terms: Map<string, number>[];
  lengths: number[];
  avgLength: number;
  df: Map<string, number>;
  titleTerms: Set<string>;
}

/**
 * Ranks the passages of a few papers' bodies for a question: cosine similarity of the question
 * vector to each passage's stored vector, plus BM25 over that paper's passages (its own document
 * frequencies: a word rare in the paper picks the passage). Papers are loaded once and kept (LRU),
 * so a conversation about one paper reads it from the database once.
 */
export class BodyRetriever {
  private readonly cache: LRUCache<string, LoadedPaper>;

  constructor(
    private readonly source: FullTextSource,
    private readonly modelId: string,
    private readonly opts: { lexicalWeight?: number; cacheSize?: number } = {},
  ) {
    this.cache = new LRUCache({ max: opts.cacheSize ?? SEARCH_ALL_MAX });
  }

  /** Which of these papers have a full text (for saying whether the body was read). */
  withFullText(paperIds: string[]): Promise<Set<string>> {
    return this.source.withFullText(paperIds);
  }

  /** The best `k` passages of each paper that has a full text (papers without one are absent). */
  async rank(paperIds: string[], question: string, vector: number[], k = 6): Promise<Map<string, BodyHit[]>> {
    const have = await this.source.withFullText(paperIds);
    const out = new Map<string, BodyHit[]>();
    const q = [...new Set(terms(question))];
    for (const id of paperIds.filter((x) => have.has(x))) {
      const paper = await this.loaded(id);
      if (paper) out.set(id, rankPaper(paper, q, vector, this.modelId, this.opts.lexicalWeight ?? LEXICAL_WEIGHT).slice(0, k));
    }
    return out;
  }

  /**
   * Every full text's best passage for the question, best first, comparable across papers: the
   * passage's cosine similarity plus the share of the question's words the paper's body holds, each
   * weighed by how few of the full texts hold it (a name only one paper uses picks that paper).
   * With an index (PostgreSQL) over the papers its search finds, whatever the library's size;
   * without one over every full text, and empty when there are more than SEARCH_ALL_MAX.
   */
  async bestOfEach(question: string, vector: number[]): Promise<{ paperId: string; hit: BodyHit; score: number }[]> {
    const q = [...new Set(terms(question))];
    const search = this.source.search;
    const ids = search ? await search.candidates(question, vector, INDEX_CANDIDATES) : await this.source.paperIds(SEARCH_ALL_MAX + 1);
    if (!search && ids.length > SEARCH_ALL_MAX) return [];
    const ranked = await this.rank(ids, question, vector, 1);
    const papers = [...ranked.keys()].map((id) => [id, this.cache.get(id)?.df] as const);
    const counts = search ? await search.paperFrequencies(q) : undefined;
    const held = (t: string) => counts?.df.get(t) ?? papers.filter(([, df]) => df?.has(t)).length;
    const weight = new Map(q.map((t) => [t, idf(counts?.docs ?? papers.length, held(t))]));
    const total = [...weight.values()].reduce((a, b) => a + b, 0) || 1;
    return papers
      .flatMap(([paperId, df]) => {
        const hit = ranked.get(paperId)?.[0];
        if (!hit) return [];
        const held = q.reduce((sum, t) => sum + (df?.has(t) ? weight.get(t)! : 0), 0) / total;
        return [{ paperId, hit, score: hit.dense + ACROSS_COVERAGE_WEIGHT * held }];
      })
      .sort((a, b) => b.score - a.score || a.paperId.localeCompare(b.paperId));
  }

  /** A term's weight in a paper's passages, its IDF among them, less for a title word (for papers ranked before: rank() loads them). */
  termWeight(paperId: string): ((term: string) => number) | undefined {
    const p = this.cache.get(paperId);
    return p && ((t: string) => weightIn(p, t));
  }

  /** Forget a paper read before (its full text was replaced). */
  forget(paperId: string): void {
    this.cache.delete(paperId);
  }

  private async loaded(id: string): Promise<LoadedPaper | undefined> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const record = await this.source.load(id);
    if (!record) return undefined;
    const passages = bodyPassages(id, record.body);
    const termMaps = passages.map((p) => counts(terms(passageWords(p))));
    const lengths = termMaps.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
    const df = new Map<string, number>();
    for (const m of termMaps) for (const t of m.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    const avgLength = lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length);
    const paper = { record, passages, terms: termMaps, lengths, avgLength, df, titleTerms: new Set(terms(record.body.title)) };
    this.cache.set(id, paper);
    return paper;
  }
}

function idfIn(p: LoadedPaper, t: string): number {
  return idf(p.passages.length, p.df.get(t) ?? 0);
}

/** A question word's weight within one paper: its IDF among the passages, TITLE_TERM_WEIGHT of it for a word of the title. */
function weightIn(p: LoadedPaper, t: string): number {
  return idfIn(p, t) * (p.titleTerms.has(t) ? TITLE_TERM_WEIGHT : 1);
}

/** BM25's IDF of a term held by `df` of `n` documents. */
const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

function counts(ts: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of ts) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

function rankPaper(p: LoadedPaper, q: string[], vector: number[], modelId: string, lexicalWeight: number): BodyHit[] {
  const n = p.passages.length;
  const idf = (t: string) => weightIn(p, t);
  const qWeight = q.reduce((s, t) => s + idf(t), 0) || 1;
  // Vectors made by another encoder cannot be compared with this question's: words alone then.
  const vectors = p.record.model === modelId && p.record.vectors.length === n ? p.record.vectors : undefined;
  const scored = p.passages.map((passage, i) => {
    const tf = p.terms[i]!;
    let bm25 = 0;
    let covered = 0;
    for (const t of q) {
      const f = tf.get(t);
      if (!f) continue;
      bm25 += idf(t) * saturation(f, p.lengths[i]!, p.avgLength, 1.2, 0.75);
      covered += idf(t);
    }
    const dense = vectors ? dot(vectors[i]!, vector) : 0;
    return { passage, bm25, dense, coverage: covered / qWeight };
  });
  const top = Math.max(...scored.map((s) => s.bm25), 1e-9);
  return scored
    .map((s) => ({
      passage: s.passage,
      dense: s.dense,
      coverage: s.coverage,
      score: s.dense + lexicalWeight * (s.bm25 / top),
      ...(p.record.url ? { url: `${p.record.url}#${s.passage.section.anchor}` } : {}),
    }))
    .sort((a, b) => b.score - a.score || a.passage.n - b.passage.n);
}

function dot(v: Float32Array, q: number[]): number {
  let s = 0;
  for (let d = 0; d < v.length; d++) s += v[d]! * q[d]!;
  return s;
}

/** Passage vectors as text for the database: int8 per dimension with one float scale per vector (a quarter of float32's size, cosine within ~0.01). */
export function encodeVectors(vectors: number[][]): string {
  const dim = vectors[0]?.length ?? 0;
  const buf = Buffer.alloc(4 + vectors.length * (4 + dim));
  buf.writeUInt32LE(dim, 0);
  let o = 4;
  for (const v of vectors) {
    const scale = Math.max(...v.map(Math.abs), 1e-12) / 127;
    buf.writeFloatLE(scale, o);
    o += 4;
    for (const x of v) buf.writeInt8(Math.round(x / scale), o++);
  }
  return buf.toString('base64');
}

export function decodeVectors(text: string): Float32Array[] {
  const buf = Buffer.from(text, 'base64');
  if (buf.length < 4) return [];
  const dim = buf.readUInt32LE(0);
  const out: Float32Array[] = [];
  for (let o = 4; dim > 0 && o + 4 + dim <= buf.length; o += 4 + dim) {
    const scale = buf.readFloatLE(o);
    const v = new Float32Array(dim);
    for (let d = 0; d < dim; d++) v[d] = buf.readInt8(o + 4 + d) * scale;
    out.push(v);
  }
  return out;
}
