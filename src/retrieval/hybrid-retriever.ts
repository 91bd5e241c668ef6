import { round } from '../util.js';
import type { Embeddings } from '@langchain/core/embeddings';
import type { VectorStore } from '@langchain/core/vectorstores';
import { fuseCandidates, type Candidates, type FusionParams, type Scored } from './fusion.js';
import { type EncoderProfile, profileOf } from './encoders/profiles.js';
import { LRUCache } from 'lru-cache';
import { idfOf, LexicalIndex, type LexicalRanker } from './lexical/lexical.js';
import { MemoryCatalog, type PaperCatalog } from './catalog.js';
import type { RetrievablePaper } from '../paper/paper.js';
import { aliasesOf, aliasText, mentionsPaper, namesPaper } from './aliases.js';
import { denseChunks, toPassages, type Passage } from './passages.js';
import { terms } from './text.js';

/** A word written as a name: inner capitals (SDANet, ImageNet), an acronym (CIFAR), letters with digits (SimCLRv2, V4). */
const NAME_WORD = /\b(?:[A-Za-z]*[a-z][A-Z][\w-]*|[A-Z]{2,}[\w-]*|[A-Za-z]+-?\d[\w-]*)/g;

export interface PassageHit {
  id: string;
  text: string;
  score: number;
  /** Cosine similarity of the paper's embedding to the question (raw, for calibration and refusal). */
  dense: number;
}

export interface PaperHit {
  id: string;
  title: string;
  score: number;
  url?: string;
  paper: RetrievablePaper;
  passages: PassageHit[];
  /**
   * Raw signals behind the fused score: BM25, cosine similarity, and coverage = share of the
   * question's IDF-weighted terms that occur in the paper (0..1; used for refusal).
   */
  signals: { lexical: number; dense: number; coverage: number; named?: boolean; mentioned?: boolean };
}

/** What the retriever reads: an encoder, passage vectors, a BM25 ranking and the papers (each an interface both backends implement). */
export interface RetrieverParts {
  embeddings: Embeddings;
  vectors: VectorStore;
  lexical: LexicalRanker;
  catalog: PaperCatalog;
  /** Fusion weights (default: the ones fitted for this encoder). */
  fusion?: FusionParams;
}

/** How candidates() ranks: which rankings, how deep, and what it may reuse or read ahead. */
export interface CandidateOptions {
  method?: FusionParams['method'];
  /** Papers taken from each ranking. */
  pool?: number;
  /** The question's IDF weights, when already being looked up. */
  idfs?: Promise<IdfWeights>;
  /** Papers to read ahead from each ranking as it arrives (the ones a search of k is likely to show). */
  readAhead?: number;
}

export interface SearchOptions {
  k?: number;
  /** Passages returned per paper. */
  passages?: number;
  fusion?: FusionParams;
}

/** IDF weights of a question's terms, looked up once per question. */
export type IdfWeights = (term: string, unseen?: 'zero' | 'rarest') => number;

/**
 * Hybrid retrieval over the paper library: BM25 over papers, embedding similarity over passages
 * (best passage per paper), fused; each hit carries its best passages for quoting and citing.
 * Depends only on interfaces: LangChain's `Embeddings` and `VectorStore`, a `LexicalRanker` and a
 * `PaperCatalog`, which the backend gives (in memory when embedded, PostgreSQL when shared).
 */
/** "Pei et al.", "Vaswani and Shazeer": a question citing a paper by its authors. */
const CITES_AUTHORS = /\b[A-Z][\p{L}'-]+ (?:et al\b|and [A-Z][\p{L}'-]+)/u;

export class HybridRetriever {
  readonly embeddings: Embeddings;
  readonly lexical: LexicalRanker;
  private readonly vectors: VectorStore;
  /** The papers it reads (for evaluation's question sets; commands use the app's catalog). */
  readonly catalog: PaperCatalog;
  /** Fusion weights: given, or the ones fitted for this encoder. */
  readonly fusion: FusionParams;
  /** The encoder's profile: its fusion and refusal settings. */
  readonly profile: EncoderProfile;
  /** Names per paper (keyed by id and text: a changed paper may have other names). */
  private readonly names = new LRUCache<string, { aliases: string[]; text: string }>({ max: 20_000 });

  constructor(parts: RetrieverParts) {
    this.embeddings = parts.embeddings;
    this.vectors = parts.vectors;
    this.lexical = parts.lexical;
    this.catalog = parts.catalog;
    this.profile = profileOf(parts.embeddings);
    this.fusion = parts.fusion ?? this.profile.fusion;
  }

  /** A retriever over papers held in memory (an in-memory catalog and BM25 built from `papers`): tests, benchmarks, BEIR. */
  static inMemory(embeddings: Embeddings, vectors: VectorStore, papers: RetrievablePaper[], fusion?: FusionParams): HybridRetriever {
    return new HybridRetriever({ embeddings, vectors, lexical: LexicalIndex.of(papers), catalog: new MemoryCatalog(papers), ...(fusion ? { fusion } : {}) });
  }

  /**
   * The fused ranking's top `k`, with a paper the question cites by its authors ("Pei et al.",
   * "Vaswani and Shazeer") first, and which that is: the surname is a rare word BM25 finds, but one word is too little
   * for the fused score to rank the paper by.
   */
  private async citedFirst<T extends { id: string }>(query: string, fused: T[], lexical: { id: string }[], k: number): Promise<{ top: T[]; cited?: string }> {
    if (!CITES_AUTHORS.test(query)) return { top: fused.slice(0, k) };
    const candidates = lexical.slice(0, 10).map((r) => r.id);
    const papers = await this.catalog.get(candidates);
    const cited = candidates.find((id) => {
      const p = papers.get(id);
      return (
        p?.authors?.length &&
        mentionsPaper(
          query,
          aliasesOf(p).filter((a) => / et al$| and /.test(a)),
        )
      );
    });
    const first = cited ? fused.find((r) => r.id === cited) : undefined;
    return first ? { top: [first, ...fused.filter((r) => r !== first)].slice(0, k), cited: first.id } : { top: fused.slice(0, k) };
  }

  /**
   * A word of the question written as a name ("SDANet", "SimCLRv2": inner capitals, letters and
   * digits; four letters at least) that only one paper of the library holds names that paper, however little of the rest
   * of the question it shares: it goes first. BM25 finds it, but one word is too little for the
   * fused score, which the encoder dominates.
   */
  private async uniqueNameFirst(query: string, fused: Scored[], lexical: Scored[]): Promise<Scored[]> {
    // One word, one term of 4+ letters: "KB-QA" or "RNN" is too generic to name one paper, however few say it.
    const names = [...new Set((query.match(NAME_WORD) ?? []).map((w) => terms(w)).flatMap((ts) => (ts.length === 1 && ts[0]!.length >= 4 ? ts : [])))];
    if (names.length === 0 || lexical.length === 0) return fused;
    const stats = await this.lexical.termStats(names);
    const unique = names.filter((t) => stats.df.get(t) === 1);
    if (unique.length === 0) return fused;
    const papers = await this.catalog.get(lexical.slice(0, 10).map((r) => r.id));
    const holders = new Set(
      lexical
        .slice(0, 10)
        .filter((r) => {
          const p = papers.get(r.id);
          const words = p && new Set(terms(`${p.title} ${p.abstract} ${aliasText(p.title, aliasesOf(p))}`));
          return words && unique.some((t) => words.has(t));
        })
        .map((r) => r.id),
    );
    if (holders.size !== 1) return fused;
    const [id] = holders;
    const first = fused.find((r) => r.id === id) ?? { id: id!, score: 0 };
    return [first, ...fused.filter((r) => r.id !== id)];
  }

  private async paper(id: string): Promise<RetrievablePaper | undefined> {
    return (await this.catalog.get([id])).get(id);
  }

  /** IDF weights for the terms of a text (a question): one lookup, then synchronous. */
  async idfWeights(text: string): Promise<IdfWeights> {
    const stats = await this.lexical.termStats([...new Set(terms(text))]);
    return (t, unseen = 'zero') => idfOf(stats, t, unseen);
  }

  async search(query: string, opts: SearchOptions = {}): Promise<PaperHit[]> {
    return this.searchWithVector(query, this.embedQuestion(query), opts);
  }

  /**
   * The question's vector, computed one turn of the event loop from now. onnxruntime-node runs the
   * encoder synchronously on this thread, so a search started in the same turn has sent its
   * database queries (BM25, IDF, papers) by then, and the database answers them meanwhile.
   */
  embedQuestion(query: string): Promise<number[]> {
    return new Promise((resolve) => setImmediate(resolve)).then(() => this.embeddings.embedQuery(query));
  }

  /** Same as search, with the query vector already computed or on its way (batch evaluation, the chain). */
  async searchWithVector(query: string, vector: number[] | Promise<number[]>, opts: SearchOptions = {}): Promise<PaperHit[]> {
    const k = opts.k ?? 5;
    const fusion = opts.fusion ?? this.fusion;
    // One IDF lookup per question, shared by the candidates' coverage and the hits' passages.
    const idfs = this.idfWeights(query);
    const [c, idf] = await Promise.all([this.candidates(query, vector, { method: fusion.method, pool: Math.max(100, k * 4), idfs, readAhead: k }), idfs]);
    const lexScore = new Map(c.lexical.map((r) => [r.id, r.score]));
    const denseScore = new Map(c.dense.map((r) => [r.id, r.score]));
    const floor = c.dense.length ? c.dense[c.dense.length - 1]!.score : 0;
    const qTerms = new Set(terms(query));
    const fused = await this.uniqueNameFirst(query, fuseCandidates(c, fusion), c.lexical);
    const { top, cited } = await this.citedFirst(query, fused, c.lexical, k);
    const papers = await this.catalog.get(top.map((r) => r.id));
    const hits: PaperHit[] = [];
    for (const r of top) {
      const paper = papers.get(r.id);
      if (!paper) continue;
      const hit: PaperHit = {
        id: paper.id,
        title: paper.title,
        score: round(r.score),
        paper,
        passages: opts.passages === 0 ? [] : this.rankPassages(paper, qTerms, denseScore.get(r.id) ?? floor, idf).slice(0, opts.passages ?? 2),
        signals: {
          lexical: round(lexScore.get(r.id) ?? 0),
          dense: round(denseScore.get(r.id) ?? floor),
          coverage: round(this.coverage(paper, qTerms, idf, 'rarest')),
        },
      };
      const { aliases } = this.namesOf(paper);
      // Cited by its authors, a paper is named as surely as by its title.
      if (r.id === cited || namesPaper(query, aliases)) hit.signals.named = true;
      else if (mentionsPaper(query, aliases)) hit.signals.mentioned = true;
      if (paper.url) hit.url = paper.url;
      hits.push(hit);
    }
    // A question that is mostly a paper's name ("What is CLIP?") is about that paper wherever the
    // fused scores put it in the top k (they move with the encoder): it goes first, the rest keep
    // their order. The chain answers a named first hit from that paper alone, and never refuses it.
    const named = hits.findIndex((h) => h.signals.named);
    if (named > 0) hits.unshift(...hits.splice(named, 1));
    return hits;
  }

  /**
   * The two rankings fusion combines, unfused: BM25 papers, papers by their best chunk's cosine
   * similarity, and how much of the question the best BM25 paper covers. Evaluation sweeps fuse
   * these under many settings without searching again.
   */
  async candidates(query: string, vector: number[] | Promise<number[]>, opts: CandidateOptions = {}): Promise<Candidates> {
    const { method = this.fusion.method, pool = 100, idfs, readAhead = 0 } = opts;
    const lexicalP = method === 'dense' ? Promise.resolve([]) : this.lexical.search(query, pool);
    const denseP = method === 'lexical' ? Promise.resolve([]) : Promise.resolve(vector).then((v) => this.densePapers(v, pool));
    // A shared catalog reads papers from the database: the top of each ranking is fetched (and cached)
    // while the other ranking is still on its way, not one round trip after fusion.
    const ahead = (p: Promise<Scored[]>, n: number) => p.then((l) => (n > 0 && l.length ? this.catalog.get(l.slice(0, n).map((r) => r.id)) : undefined));
    const [lexical, dense, topPapers] = await Promise.all([lexicalP, denseP, ahead(lexicalP, Math.max(1, readAhead)), ahead(denseP, readAhead)]);
    let topCoverage = 0;
    if (lexical[0]) {
      const [paper, idf] = await Promise.all([topPapers?.get(lexical[0].id) ?? this.paper(lexical[0].id), idfs ?? this.idfWeights(query)]);
      if (paper) topCoverage = this.coverage(paper, new Set(terms(query)), idf);
    }
    return { lexical, dense, topCoverage };
  }

  /** Papers by their best chunk's cosine similarity (enough chunks asked for to cover the pool of papers). */
  private async densePapers(vector: number[], pool: number): Promise<Scored[]> {
    const dense: Scored[] = [];
    const seen = new Set<string>();
    const hits = await this.vectors.similaritySearchVectorWithScore(vector, pool * 2);
    for (const [doc, score] of hits) {
      const paperId = String(doc.metadata.paperId);
      if (!this.catalog.has(paperId)) continue; // vector of a paper not (yet) in the library
      if (!seen.has(paperId)) {
        seen.add(paperId);
        dense.push({ id: paperId, score });
      }
    }
    return dense;
  }

  /** Nearest papers to a paper by embedding (its own text as the query), excluding itself. */
  async similar(paperId: string, k = 5): Promise<PaperHit[]> {
    const paper = await this.paper(paperId);
    if (!paper) return [];
    const [chunk] = denseChunks(paper);
    // Paper to paper: embedded as a document (a query instruction would skew it toward short questions).
    const [vector] = await this.embeddings.embedDocuments([chunk!.text]);
    const hits = await this.vectors.similaritySearchVectorWithScore(vector!, (k + 1) * 3);
    const ranked: [string, number][] = [];
    for (const [doc, score] of hits) {
      const id = String(doc.metadata.paperId);
      if (id !== paperId && !ranked.some(([x]) => x === id)) ranked.push([id, score]);
    }
    const papers = await this.catalog.get(ranked.map(([id]) => id));
    const idf = await this.idfWeights(paper.title);
    const out: PaperHit[] = [];
    for (const [id, score] of ranked) {
      const p = papers.get(id);
      if (!p) continue;
      const hit = this.hitOf(p, paper.title, 1, idf);
      out.push({ ...hit, score: round(score), signals: { ...hit.signals, dense: round(score) } });
      if (out.length === k) break;
    }
    return out;
  }

  /** A hit for one known paper (a follow-up that names it), its passages ranked for the query. */
  async hitFor(paperId: string, query: string, passages = 2): Promise<PaperHit | undefined> {
    const paper = await this.paper(paperId);
    return paper && this.hitOf(paper, query, passages, await this.idfWeights(query));
  }

  private hitOf(paper: RetrievablePaper, query: string, passages: number, idf: IdfWeights): PaperHit {
    const qTerms = new Set(terms(query));
    const hit: PaperHit = {
      id: paper.id,
      title: paper.title,
      score: 1,
      paper,
      passages: this.rankPassages(paper, qTerms, 0, idf).slice(0, passages),
      signals: { lexical: 0, dense: 0, coverage: round(this.coverage(paper, qTerms, idf, 'rarest')) },
    };
    if (paper.url) hit.url = paper.url;
    return hit;
  }

  /** A paper's aliases and the alias words its title lacks, derived once (regexes over the abstract). */
  private namesOf(p: RetrievablePaper): { aliases: string[]; text: string } {
    const key = `${p.id}\u0000${p.title.length}:${p.abstract.length}:${p.links.join(' ')}:${p.authors?.join(' ') ?? ''}`;
    let n = this.names.get(key);
    if (!n) {
      const aliases = aliasesOf(p);
      n = { aliases, text: aliasText(p.title, aliases) };
      this.names.set(key, n);
    }
    return n;
  }

  /**
   * Share of the question's IDF weight whose terms occur in the paper (0..1). For fusion, terms the
   * library never uses are left out (as tuned); for the reported signal they count as rarest.
   */
  private coverage(p: RetrievablePaper, qTerms: Set<string>, idf: IdfWeights, unseen: 'zero' | 'rarest' = 'zero'): number {
    if (qTerms.size === 0) return 0;
    const pt = new Set(terms(`${p.title} ${p.abstract} ${this.namesOf(p).text}`));
    let total = 0;
    let found = 0;
    for (const t of qTerms) {
      const w = idf(t, unseen);
      total += w;
      if (pt.has(t)) found += w;
    }
    return total > 0 ? found / total : 0;
  }

  /**
   * A paper's quotable passages, best first, by IDF-weighted overlap with the question's terms
   * (earlier passages win ties: abstracts open with their point). `score` adds the paper's
   * embedding similarity, so scores are comparable across papers.
   */
  private rankPassages(paper: RetrievablePaper, qTerms: Set<string>, paperDense: number, idf: IdfWeights): PassageHit[] {
    // Split on demand (a few papers per query): holding every paper's passages costs memory for nothing.
    const passages: Passage[] = toPassages(paper.id, paper.abstract);
    const maxIdf = [...qTerms].reduce((s, t) => s + idf(t), 0) || 1;
    return passages
      .map((p) => {
        const pt = new Set(terms(p.text));
        const lex = [...qTerms].reduce((s, t) => s + (pt.has(t) ? idf(t) : 0), 0) / maxIdf;
        return { id: p.id, n: p.n, text: p.text, dense: round(paperDense), score: round(0.5 * lex + 0.5 * Math.max(0, paperDense)) };
      })
      .sort((a, b) => b.score - a.score || a.n - b.n)
      .map(({ n: _n, ...hit }) => hit);
  }
}
