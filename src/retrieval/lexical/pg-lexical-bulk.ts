import { aliasesOf, aliasText } from '../aliases.js';
import { type LexicalParams, saturation } from './lexical.js';
import { termOfWord, terms, words } from '../text.js';

/**
 * The CPU half of a BM25 bulk load into PostgreSQL (pg-lexical.ts writes the result): every paper's
 * terms, each posting's impact, the postings grouped by term and ordered as the index stores them,
 * and what is left out. Pure and synchronous, so it runs in a worker thread (pg-lexical-bulk.worker.mjs)
 * while the main thread writes vectors; at 100k papers it is 10–20 s of one core.
 */

/** Title, abstract, aliases. */
export type Fields = [number, number, number];

/** What a paper's BM25 entry is computed from. */
export type AnalysedPaper = { title: string; abstract: string; links?: string[]; authors?: string[] };

/** The library's size and average field lengths before the load (lex_docs). */
export type Corpus = { docs: number; avg: Fields };

/**
 * A paper's terms with their frequency in title, abstract and aliases; each field's length in distinct
 * terms, as MiniSearch counts it. Frequencies are stored as SMALLINTs: a word repeated past 32767
 * times in one field counts as that many.
 */
export function analyse(p: AnalysedPaper): { tf: Map<string, Fields>; lens: Fields } {
  const fields = fieldTerms(p);
  const tf = new Map<string, Fields>();
  fields.forEach((ts, f) => {
    for (const t of ts) {
      const c = tf.get(t) ?? [0, 0, 0];
      if (c[f]! < 32767) c[f]! += 1;
      tf.set(t, c);
    }
  });
  return { tf, lens: [new Set(fields[0]).size, new Set(fields[1]).size, new Set(fields[2]).size] };
}

/** A paper's fields as text: title, abstract, aliases. */
const fieldTexts = (p: AnalysedPaper): [string, string, string] => [p.title, p.abstract, aliasText(p.title, aliasesOf(p))];

/** A paper's terms per field. */
const fieldTerms = (p: AnalysedPaper): string[][] => fieldTexts(p).map(terms);

/**
 * Average field lengths once papers of these lengths are in (the library before, and these): the
 * lengths impacts are computed at. (The library's own averages alone were 1 for a first load.)
 */
export function averagesWith({ docs, avg }: Corpus, lens: ArrayLike<number>[]): Fields {
  const sum: Fields = [docs * avg[0], docs * avg[1], docs * avg[2]];
  for (const l of lens) for (let f = 0; f < 3; f++) sum[f]! += l[f]!;
  const n = docs + lens.length;
  return [sum[0] / n || 1, sum[1] / n || 1, sum[2] / n || 1];
}

/** A term's weight in one paper (BM25 without IDF, boosts applied), at the given average field lengths. */
export function impactAt(params: LexicalParams, avg: Fields): (t: number, b: number, a: number, lt: number, lb: number, la: number) => number {
  const { k1: k, b: bb, titleBoost, aliasBoost } = params;
  const sat = (tf: number, len: number, avgLen: number) => (tf === 0 ? 0 : saturation(tf, len, avgLen, k, bb));
  return (t, b, a, lt, lb, la) => titleBoost * sat(t, lt, avg[0]) + sat(b, lb, avg[1]) + aliasBoost * sat(a, la, avg[2]);
}

/** A bulk load's postings, in typed arrays (they move to the main thread without a copy). */
export interface BulkPostings {
  /** Term by term number. */
  names: string[];
  /** Per posting: its paper (index in the input), tf per field (3 each), impact. */
  paperOf: Int32Array;
  tfs: Uint16Array;
  impact: Float32Array;
  /** Per paper: field lengths (3 each). */
  lens: Int32Array;
  /** Term numbers in byte order (terms are ASCII, so JS's order is the C collation's). */
  byName: Int32Array;
  /** Postings grouped by term in that order, each group by impact (highest first, ties in load order): group r is order[start[r] .. start[r + 1]). */
  order: Int32Array;
  start: Int32Array;
  /** Per term number: document frequency in title, abstract, aliases, any (4 each), over this load. */
  df: Int32Array;
  /** Per paper: the terms left out (past the first `cap` of their group), space-separated, and their fields (bits 1 title, 2 abstract, 4 aliases). */
  unlisted: string[];
  unlistedFields: string[];
}

/** Analyses papers and lays out their postings for a bulk load that keeps `cap` postings per term. */
export function prepareBulk(papers: AnalysedPaper[], corpus: Corpus, params: LexicalParams, cap: number): BulkPostings {
  const { names, termOf, paperOf, tfs, lens } = countPostings(papers);
  const n = termOf.length;
  const impactOf = impactAt(
    params,
    averagesWith(
      corpus,
      papers.map((_, pi) => lens.subarray(3 * pi, 3 * pi + 3)),
    ),
  );
  const impact = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const l = 3 * paperOf[i]!;
    impact[i] = impactOf(tfs[3 * i]!, tfs[3 * i + 1]!, tfs[3 * i + 2]!, lens[l]!, lens[l + 1]!, lens[l + 2]!);
  }
  const { byName, order, start } = groupByTerm(names, termOf, impact);
  const df = new Int32Array(4 * names.length);
  for (let i = 0; i < n; i++) {
    const d = 4 * termOf[i]!;
    df[d]! += tfs[3 * i]! > 0 ? 1 : 0;
    df[d + 1]! += tfs[3 * i + 1]! > 0 ? 1 : 0;
    df[d + 2]! += tfs[3 * i + 2]! > 0 ? 1 : 0;
    df[d + 3]! += 1;
  }
  return { names, paperOf, tfs, impact, lens, byName, order, start, df, ...leftOut(papers.length, names, { termOf, paperOf, tfs, order, start }, cap) };
}

/** Every (paper, term) posting of a load with its tf per field, and each paper's field lengths. */
function countPostings(papers: AnalysedPaper[]): { names: string[]; termOf: Int32Array; paperOf: Int32Array; tfs: Uint16Array; lens: Int32Array } {
  const termIds = new Map<string, number>();
  const names: string[] = [];
  let n = 0;
  // An abstract has ~110 distinct terms: room for that many, grown (doubled) only past it.
  const room = Math.max(1 << 16, 120 * papers.length);
  let termOf = new Int32Array(room);
  let paperOf = new Int32Array(room);
  let tfs = new Uint16Array(3 * room);
  const lens = new Int32Array(3 * papers.length);
  // What analyse() computes, without a Map and three-number array per (paper, term): counts per term
  // number for the paper at hand (`seen` says which paper last reset them), terms in first-seen order.
  // Each distinct word is stemmed and numbered once (`wordIds`: -1 for a word that is no term), so a
  // word costs one lookup (terms() then a term lookup were three: stop words, stems, numbers).
  let counts = new Uint16Array(3 * 65536);
  let seen = new Int32Array(65536).fill(-1);
  const touched: number[] = [];
  const wordIds = new Map<string, number>();
  const idOf = (word: string): number => {
    const term = termOfWord(word);
    if (term === undefined) return -1;
    let id = termIds.get(term);
    if (id === undefined) {
      id = names.push(term) - 1;
      termIds.set(term, id);
      if (id === seen.length) {
        [counts, seen] = [grown(counts), grown(seen)];
        seen.fill(-1, id);
      }
    }
    return id;
  };
  for (const [pi, p] of papers.entries()) {
    touched.length = 0;
    for (const [f, text] of fieldTexts(p).entries()) {
      for (const word of words(text)) {
        let id = wordIds.get(word);
        if (id === undefined) {
          id = idOf(word);
          wordIds.set(word, id);
        }
        if (id < 0) continue;
        if (seen[id] !== pi) {
          seen[id] = pi;
          counts.fill(0, 3 * id, 3 * id + 3);
          touched.push(id);
        }
        if (counts[3 * id + f]! < 32767) counts[3 * id + f]! += 1;
      }
    }
    for (const id of touched) {
      if (n === termOf.length) [termOf, paperOf, tfs] = [grown(termOf), grown(paperOf), grown(tfs)];
      termOf[n] = id;
      paperOf[n] = pi;
      for (let f = 0; f < 3; f++) {
        const c = counts[3 * id + f]!;
        tfs[3 * n + f] = c;
        if (c > 0) lens[3 * pi + f]! += 1;
      }
      n++;
    }
  }
  return { names, termOf: termOf.slice(0, n), paperOf: paperOf.slice(0, n), tfs: tfs.slice(0, 3 * n), lens };
}

/** Counting sort of the postings by term (in byte order), then each term's group by impact. */
function groupByTerm(names: string[], termOf: Int32Array, impact: Float32Array): { byName: Int32Array; order: Int32Array; start: Int32Array } {
  const n = termOf.length;
  const byName = Int32Array.from(names.keys()).sort((x, y) => (names[x]! < names[y]! ? -1 : 1));
  const rank = new Int32Array(names.length);
  for (const [r, id] of byName.entries()) rank[id] = r;
  const start = new Int32Array(names.length + 1);
  for (let i = 0; i < n; i++) start[rank[termOf[i]!]! + 1]! += 1;
  for (let r = 0; r < names.length; r++) start[r + 1]! += start[r]!;
  const order = new Int32Array(n);
  const fill = start.slice(0, names.length);
  for (let i = 0; i < n; i++) order[fill[rank[termOf[i]!]!]!++] = i;
  sortGroupsByImpact(order, start, impact);
  return { byName, order, start };
}

/**
 * Per paper, the terms whose group it is past the first `cap` of (millions at 100k papers: grouped by
 * paper in typed arrays first, then one string per paper).
 */
function leftOut(
  papers: number,
  names: string[],
  p: Pick<BulkPostings, 'paperOf' | 'tfs' | 'order' | 'start'> & { termOf: Int32Array },
  cap: number,
): Pick<BulkPostings, 'unlisted' | 'unlistedFields'> {
  const groups = p.start.length - 1;
  const from = new Int32Array(papers + 1);
  for (let r = 0; r < groups; r++) for (let j = p.start[r]! + cap; j < p.start[r + 1]!; j++) from[p.paperOf[p.order[j]!]! + 1]! += 1;
  for (let pi = 0; pi < papers; pi++) from[pi + 1]! += from[pi]!;
  const term = new Int32Array(from[papers]!);
  const fields = new Uint8Array(from[papers]!);
  const next = from.slice(0, papers);
  for (let r = 0; r < groups; r++)
    for (let j = p.start[r]! + cap; j < p.start[r + 1]!; j++) {
      const i = p.order[j]!;
      const k = next[p.paperOf[i]!]!++;
      term[k] = p.termOf[i]!;
      fields[k] = (p.tfs[3 * i]! > 0 ? 1 : 0) | (p.tfs[3 * i + 1]! > 0 ? 2 : 0) | (p.tfs[3 * i + 2]! > 0 ? 4 : 0);
    }
  const unlisted: string[] = [];
  const unlistedFields: string[] = [];
  for (let pi = 0; pi < papers; pi++) {
    let t = '';
    let f = '';
    for (let k = from[pi]!; k < from[pi + 1]!; k++) {
      t += k === from[pi] ? names[term[k]!]! : ` ${names[term[k]!]!}`;
      f += k === from[pi] ? `${fields[k]!}` : ` ${fields[k]!}`;
    }
    unlisted.push(t);
    unlistedFields.push(f);
  }
  return { unlisted, unlistedFields };
}

/** The typed arrays of a BulkPostings (what a worker transfers instead of copying). */
export const bulkBuffers = (b: BulkPostings): ArrayBuffer[] =>
  [b.paperOf, b.tfs, b.impact, b.lens, b.byName, b.order, b.start, b.df].map((a) => a.buffer as ArrayBuffer);

/**
 * Sorts each group `order[start[g] .. start[g + 1])` (postings, in load order) by impact, highest
 * first, ties kept in load order. Natively: each posting becomes one float64 key, (impact descending)
 * × 2^21 + its place in the group, exact up to 2^53, and a typed array sorts numbers without a
 * comparator callback (10.8M postings at 100k papers: ~8 s with one). A group of 2^21 or more
 * postings (a term in 2M+ papers) is sorted with the callback.
 */
export function sortGroupsByImpact(order: Int32Array, start: Int32Array, impact: Float32Array): void {
  const PLACE = 2 ** 21;
  const bits = new Uint32Array(impact.buffer, impact.byteOffset, impact.length);
  let largest = 0;
  for (let g = 0; g + 1 < start.length; g++) largest = Math.max(largest, start[g + 1]! - start[g]!);
  const keys = new Float64Array(Math.min(largest, PLACE));
  const was = new Int32Array(keys.length);
  for (let g = 0; g + 1 < start.length; g++) {
    const group = order.subarray(start[g]!, start[g + 1]!);
    if (group.length < 2) continue;
    if (group.length >= PLACE) {
      group.sort((x, y) => impact[y]! - impact[x]! || x - y);
      continue;
    }
    for (let j = 0; j < group.length; j++) {
      // float32 bits as an unsigned key in float order (negatives flipped), then reversed: highest first.
      const b = bits[group[j]!]!;
      const ascending = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      keys[j] = (0xffffffff - ascending) * PLACE + j;
      was[j] = group[j]!;
    }
    const sorted = keys.subarray(0, group.length).sort();
    for (let j = 0; j < group.length; j++) group[j] = was[sorted[j]! % PLACE]!;
  }
}

/** A typed array twice as long, same contents. */
function grown<T extends Int32Array | Uint16Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
