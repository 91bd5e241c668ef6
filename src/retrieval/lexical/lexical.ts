import type { RetrievablePaper } from '../../paper/paper.js';
import { aliasesOf, aliasText } from '../aliases.js';
import { terms } from '../text.js';

export interface LexicalDoc {
  id: string;
  title: string;
  text: string;
  /** Other names of the paper (code repository, "dubbed X", run-together title names). */
  aliases?: string;
}

/** A paper as the lexical index reads it: title, abstract, and the alias words its title lacks. */
export function lexicalDocOf(p: RetrievablePaper): LexicalDoc {
  return { id: p.id, title: p.title, text: p.abstract, aliases: aliasText(p.title, aliasesOf(p)) };
}

/**
 * Lexical (BM25) ranking over papers, as the retriever sees it: the in-memory index below for the
 * embedded backend, or PostgreSQL (pg-lexical.ts) when the library is shared.
 */
export interface LexicalRanker {
  /** Best `limit` papers for the query, BM25 score (unbounded, > 0). */
  search(query: string, limit: number): Promise<{ id: string; score: number }[]>;
  /** How many papers are indexed, and how many contain each of `terms` (stemmed): IDF weights. */
  termStats(terms: string[]): Promise<TermStats>;
}

export interface TermStats {
  docs: number;
  df: Map<string, number>;
}

/**
 * Inverse document frequency of a (stemmed) term. A term no document has gets 0, or with
 * `unseen: 'rarest'` the weight of the rarest possible term (a question about words the library
 * never uses is about something else).
 */
export function idfOf(stats: TermStats, term: string, unseen: 'zero' | 'rarest' = 'zero'): number {
  const n = stats.df.get(term) ?? 0;
  if (n === 0 && unseen === 'zero') return 0;
  return Math.log(1 + (stats.docs - n + 0.5) / (n + 0.5));
}

const SNAPSHOT_VERSION = 5;
/** Snapshot files start with these bytes (a JSON header's length follows, then the header, then the postings). */
const MAGIC = Buffer.from('PBLEX\n');

export interface LexicalParams {
  /** BM25 term-frequency saturation. */
  k1: number;
  /** BM25 length normalisation. */
  b: number;
  /** Weight of a title match relative to a body match. */
  titleBoost: number;
  /** Weight of an alias match (a name people use: "CLIP", "SwinV2"). */
  aliasBoost: number;
}

/** The usual BM25 defaults with a mild title boost (a small SciFact sweep found k1/b near these within 0.005 nDCG). */
export const DEFAULT_LEXICAL: LexicalParams = { k1: 1.2, b: 0.75, titleBoost: 1.5, aliasBoost: 3 };

/**
 * BM25's term-frequency saturation in one field (MiniSearch's, d = 0), written once for both indexes:
 * this one scores with it, PostgreSQL's orders its postings by it (and spells it again in SQL).
 */
export function saturation(tf: number, length: number, avgLength: number, k: number, b: number): number {
  return (tf * (k + 1)) / (tf + k * (1 - b + (b * length) / avgLength));
}

/** The three fields, in the order they are scored: title, abstract, aliases. */
const FIELDS = 3;
/** A term frequency is kept in 10 bits per field (three in one small integer); higher counts are capped. */
const TF_BITS = 10;
const TF_MAX = (1 << TF_BITS) - 1;
const tfOf = (packed: number, field: number) => (packed >> (field * TF_BITS)) & TF_MAX;

interface SnapshotHeader {
  version: number;
  fingerprint: string;
  params: LexicalParams;
  avg: number[];
  ids: string[];
  terms: string[];
  /** Postings per term (same order as terms). */
  sizes: number[];
}

/**
 * BM25 over papers (title, abstract, aliases), Porter-stemmed, stop words removed, scored exactly as
 * MiniSearch 7 scores (per field BM25 with that field's document frequency and running average
 * length, boosted and summed, times the number of question terms matched; `test/lexical.test.ts`
 * holds it to MiniSearch's scores). MiniSearch itself kept each posting in nested Maps: a year of
 * papers (18k) held ~130 MB of heap, and its JSON snapshot parsed into a ~260 MB transient at start.
 * Here a term's postings are one packed array of (paper, term frequencies) pairs, in the order papers
 * were added, and the snapshot is binary: the same year is a ~45 MB heap and loads in ~0.2 s.
 * A paper added again (changed) is marked gone and added anew; its old postings are skipped and
 * dropped at the next snapshot.
 */
export class LexicalIndex implements LexicalRanker {
  /** term → [paper, packed tfs, paper, packed tfs, ...] in the order papers were added. */
  private readonly postings = new Map<string, number[]>();
  /** paper number → id ('' once discarded). */
  private readonly ids: string[] = [];
  /** paper id → paper number, for the papers in the index. */
  private readonly numbers = new Map<string, number>();
  /** Distinct terms per field per paper (-1: the paper has no such field), FIELDS per paper. */
  private readonly lengths: number[] = [];
  /** Running average field lengths, updated as MiniSearch updates them. */
  private readonly avg = [0, 0, 0];

  constructor(private readonly params: LexicalParams = DEFAULT_LEXICAL) {}

  /** An index of these papers (read as lexicalDocOf reads them). */
  static of(papers: RetrievablePaper[]): LexicalIndex {
    const index = new LexicalIndex();
    index.addPapers(papers);
    return index;
  }

  /** Adds papers, or replaces them when already held. */
  addPapers(papers: RetrievablePaper[]): void {
    this.add(papers.map(lexicalDocOf));
  }

  /**
   * The whole index as bytes, for this library (fingerprint). Building the index over a year of papers
   * takes seconds; loading this takes a fraction of one, so start-up reloads it when the library has
   * not changed. Papers discarded since they were added are left out (compacted first).
   */
  snapshot(fingerprint: string): Buffer {
    this.compact();
    const terms = [...this.postings.keys()];
    const sizes = [...this.postings.values()].map((list) => list.length / 2);
    const body = new Int32Array(this.lengths.length + 2 * sizes.reduce((a, b) => a + b, 0));
    body.set(this.lengths);
    let at = this.lengths.length;
    for (const list of this.postings.values()) {
      body.set(list, at);
      at += list.length;
    }
    const header: SnapshotHeader = { version: SNAPSHOT_VERSION, fingerprint, params: this.params, avg: this.avg, ids: this.ids, terms, sizes };
    const json = Buffer.from(JSON.stringify(header));
    const size = Buffer.alloc(4);
    size.writeUInt32LE(json.length);
    return Buffer.concat([MAGIC, size, json, Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
  }

  /** A snapshot's index, if it was made for this library (fingerprint) with these parameters; else undefined. */
  static fromSnapshot(bytes: Uint8Array, fingerprint: string, params: LexicalParams = DEFAULT_LEXICAL): LexicalIndex | undefined {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const jsonEnd = MAGIC.length + 4 + buf.readUInt32LE(MAGIC.length);
    if (jsonEnd > buf.length || (buf.length - jsonEnd) % 4 !== 0) return undefined;
    let h: SnapshotHeader;
    try {
      h = JSON.parse(buf.subarray(MAGIC.length + 4, jsonEnd).toString('utf8')) as SnapshotHeader;
    } catch {
      return undefined;
    }
    if (h.version !== SNAPSHOT_VERSION || h.fingerprint !== fingerprint || JSON.stringify(h.params) !== JSON.stringify(params)) return undefined;
    // The numbers may sit at any byte offset in the file: copied out (one memcpy) to be aligned.
    const body = new Int32Array(new Uint8Array(buf.subarray(jsonEnd)).buffer);
    const expected = h.ids.length * FIELDS + 2 * h.sizes.reduce((a, b) => a + b, 0);
    if (body.length !== expected || h.terms.length !== h.sizes.length) return undefined;
    const index = new LexicalIndex(params);
    h.ids.forEach((id, n) => {
      index.ids.push(id);
      index.numbers.set(id, n);
    });
    for (let i = 0; i < h.ids.length * FIELDS; i++) index.lengths.push(body[i]!);
    let at = h.ids.length * FIELDS;
    h.terms.forEach((term, i) => {
      const end = at + 2 * h.sizes[i]!;
      index.postings.set(term, Array.from(body.subarray(at, end)));
      at = end;
    });
    index.avg.splice(0, FIELDS, ...h.avg);
    return index;
  }

  /** Papers in the index. */
  get size(): number {
    return this.numbers.size;
  }

  /** Papers replaced or taken out whose postings are still held (skipped) until the next compaction. */
  get discarded(): number {
    return this.ids.length - this.numbers.size;
  }

  /**
   * Drops the postings and numbers of discarded papers, renumbering the others in the order they were
   * added (so scores and the order of equal scores do not change). Runs once discarded papers pass a
   * quarter of the library, so a long-running process that re-ingests changed papers does not grow.
   */
  private compact(): void {
    if (this.discarded === 0) return;
    const renumber = new Int32Array(this.ids.length).fill(-1);
    let live = 0;
    for (let n = 0; n < this.ids.length; n++) {
      if (!this.ids[n]) continue;
      renumber[n] = live;
      this.ids[live] = this.ids[n]!;
      this.numbers.set(this.ids[n]!, live);
      for (let f = 0; f < FIELDS; f++) this.lengths[live * FIELDS + f] = this.lengths[n * FIELDS + f]!;
      live++;
    }
    this.ids.length = live;
    this.lengths.length = live * FIELDS;
    for (const [term, list] of this.postings) {
      let w = 0;
      for (let i = 0; i < list.length; i += 2) {
        const n = renumber[list[i]!]!;
        if (n < 0) continue;
        list[w++] = n;
        list[w++] = list[i + 1]!;
      }
      if (w === 0) this.postings.delete(term);
      else list.length = w;
    }
  }

  /** Adds papers; a paper already in the index is replaced (all replaced ones are taken out first, as MiniSearch's callers did). */
  add(docs: LexicalDoc[]): void {
    for (const d of docs) if (this.numbers.has(d.id)) this.discard(d.id);
    for (const d of docs) {
      if (this.numbers.has(d.id)) this.discard(d.id); // the same paper twice in one batch: the last one wins
      const n = this.ids.length;
      this.ids.push(d.id);
      this.numbers.set(d.id, n);
      const count = this.numbers.size;
      const tf = new Map<string, number>();
      [d.title, d.text, d.aliases].forEach((value, f) => {
        if (value == null) {
          this.lengths.push(-1);
          return;
        }
        const ts = terms(value);
        const length = new Set(ts).size;
        this.lengths.push(length);
        // MiniSearch's running average: over the papers added so far.
        this.avg[f] = (this.avg[f]! * (count - 1) + length) / count;
        for (const t of ts) {
          const packed = tf.get(t) ?? 0;
          if (tfOf(packed, f) < TF_MAX) tf.set(t, packed + (1 << (f * TF_BITS)));
        }
      });
      for (const [t, packed] of tf) {
        const list = this.postings.get(t);
        if (list) list.push(n, packed);
        else this.postings.set(t, [n, packed]);
      }
    }
    if (this.discarded * 4 > this.size) this.compact();
  }

  /** Takes a paper out: its postings are skipped from now on (and left out of the next snapshot). */
  private discard(id: string): void {
    const n = this.numbers.get(id)!;
    const count = this.numbers.size;
    for (let f = 0; f < FIELDS; f++) {
      const length = this.lengths[n * FIELDS + f]!;
      if (length < 0) continue;
      this.avg[f] = count === 1 ? 0 : (this.avg[f]! * count - length) / (count - 1);
    }
    this.numbers.delete(id);
    this.ids[n] = '';
  }

  async search(query: string, limit: number): Promise<{ id: string; score: number }[]> {
    return this.searchNow(query, limit);
  }

  async termStats(list: string[]): Promise<TermStats> {
    const df = new Map<string, number>();
    for (const t of list) {
      const postings = this.postings.get(t) ?? [];
      let n = 0;
      for (let i = 0; i < postings.length; i += 2) if (this.ids[postings[i]!]) n++;
      df.set(t, n);
    }
    return { docs: this.numbers.size, df };
  }

  /**
   * Best `limit` papers for the query, BM25 score (unbounded, > 0). Computed in MiniSearch's order of
   * operations (per question term, per field, papers in the order they were added; then the terms'
   * scores summed and multiplied by how many distinct terms matched), so scores and the order of
   * equal scores are MiniSearch's to the last bit.
   */
  searchNow(query: string, limit: number): { id: string; score: number }[] {
    const { k1: k, b, titleBoost, aliasBoost } = this.params;
    const boosts = [titleBoost, 1, aliasBoost];
    const total = new Map<number, { score: number; terms: Set<string> }>();
    for (const term of terms(query)) {
      const postings = this.postings.get(term);
      if (!postings) continue;
      const scores = new Map<number, number>();
      for (let f = 0; f < FIELDS; f++) {
        let df = 0;
        for (let i = 0; i < postings.length; i += 2) if (this.ids[postings[i]!] && tfOf(postings[i + 1]!, f) > 0) df++;
        if (df === 0) continue;
        const idf = Math.log(1 + (this.numbers.size - df + 0.5) / (df + 0.5));
        const avgLength = this.avg[f]!;
        for (let i = 0; i < postings.length; i += 2) {
          const n = postings[i]!;
          const tf = tfOf(postings[i + 1]!, f);
          if (tf === 0 || !this.ids[n]) continue;
          const length = this.lengths[n * FIELDS + f]!;
          const raw = idf * saturation(tf, length, avgLength, k, b);
          scores.set(n, (scores.get(n) ?? 0) + boosts[f]! * raw);
        }
      }
      for (const [n, score] of scores) {
        const t = total.get(n);
        if (t) {
          t.score += score;
          t.terms.add(term);
        } else total.set(n, { score, terms: new Set([term]) });
      }
    }
    return [...total]
      .map(([n, t]) => ({ id: this.ids[n]!, score: t.score * t.terms.size }))
      .sort((x, y) => y.score - x.score)
      .slice(0, limit);
  }
}
