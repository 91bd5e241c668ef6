import MiniSearch from 'minisearch';
import { terms } from './text.js';

export interface LexicalDoc {
  id: string;
  title: string;
  text: string;
  /** Other names of the paper (code repository, "dubbed X", run-together title names). */
  aliases?: string;
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
  /** Makes papers searchable (an in-memory index); a shared index is written at ingest instead. */
  add?(docs: LexicalDoc[]): void;
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

const SNAPSHOT_VERSION = 3;

export interface LexicalSnapshot {
  version: number;
  fingerprint: string;
  params: LexicalParams;
  mini: ReturnType<MiniSearch['toJSON']>;
  df: [string, number][];
}

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
 * BM25 over papers (title + abstract) with MiniSearch, Porter-stemmed, stop words removed. Built in
 * memory at start (incremental adds as papers arrive), unlike Vectra's built-in BM25 which rebuilds
 * its engine on every query.
 */
export class LexicalIndex implements LexicalRanker {
  private readonly mini: MiniSearch<LexicalDoc>;
  /** Document frequency of each term, for weighting query terms inside passages. */
  private readonly df: Map<string, number>;

  constructor(
    private readonly params: LexicalParams = DEFAULT_LEXICAL,
    snapshot?: LexicalSnapshot,
  ) {
    const options = {
      fields: ['title', 'text', 'aliases'],
      idField: 'id',
      tokenize: (text: string) => terms(text),
      processTerm: (term: string) => term,
      searchOptions: { bm25: { k: params.k1, b: params.b, d: 0 } },
    };
    this.mini = snapshot ? MiniSearch.loadJS<LexicalDoc>(snapshot.mini, options) : new MiniSearch<LexicalDoc>(options);
    this.df = new Map(snapshot?.df ?? []);
  }

  /**
   * The whole index as plain data. Building MiniSearch over a year of papers (18k abstracts) takes
   * ~10 s on this machine; loading this snapshot takes ~1 s, so start-up reloads it when the library
   * has not changed.
   */
  snapshot(fingerprint: string): LexicalSnapshot {
    return { version: SNAPSHOT_VERSION, fingerprint, params: this.params, mini: this.mini.toJSON(), df: [...this.df] };
  }

  /** A snapshot's index, if it was made for this library (fingerprint) with these parameters. */
  static fromSnapshot(s: unknown, fingerprint: string, params: LexicalParams = DEFAULT_LEXICAL): LexicalIndex | undefined {
    const snap = s as Partial<LexicalSnapshot> | null;
    if (!snap || snap.version !== SNAPSHOT_VERSION || snap.fingerprint !== fingerprint || JSON.stringify(snap.params) !== JSON.stringify(params) || !snap.mini)
      return undefined;
    return new LexicalIndex(params, snap as LexicalSnapshot);
  }

  get size(): number {
    return this.mini.documentCount;
  }

  add(docs: LexicalDoc[]): void {
    for (const d of docs) {
      if (this.mini.has(d.id)) this.mini.discard(d.id);
      else for (const t of new Set(terms(`${d.title} ${d.text} ${d.aliases ?? ''}`))) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
    this.mini.addAll(docs);
  }

  async search(query: string, limit: number): Promise<{ id: string; score: number }[]> {
    return this.searchNow(query, limit);
  }

  async termStats(terms: string[]): Promise<TermStats> {
    return { docs: this.mini.documentCount, df: new Map(terms.map((t) => [t, this.df.get(t) ?? 0])) };
  }

  /** Best `limit` documents for the query, BM25 score (unbounded, > 0). */
  searchNow(query: string, limit: number): { id: string; score: number }[] {
    if (terms(query).length === 0) return [];
    return this.mini
      .search(query, { boost: { title: this.params.titleBoost, aliases: this.params.aliasBoost }, prefix: false, fuzzy: false, combineWith: 'OR' })
      .slice(0, limit)
      .map((r) => ({ id: String(r.id), score: r.score }));
  }
}
