import { round } from '../util.js';
import { BaseRetriever } from '@langchain/core/retrievers';
import { Document } from '@langchain/core/documents';
import type { Embeddings } from '@langchain/core/embeddings';
import type { VectorStore } from '@langchain/core/vectorstores';
import { fuseCandidates, fusionFor, type Candidates, type FusionParams, type Scored } from './fusion.js';
import { LexicalIndex } from './lexical.js';
import { aliasesOf, aliasText, namesPaper } from './aliases.js';
import { denseChunks, toPassages, type Passage } from './passages.js';
import { terms } from './text.js';

/** The fields of a paper retrieval needs (the library's StoredPaper satisfies it). */
export interface RetrievablePaper {
  id: string;
  title: string;
  abstract: string;
  url?: string;
  links: string[];
  upvotes?: number;
  thumbnail?: string;
}

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
  signals: { lexical: number; dense: number; coverage: number; named?: boolean };
}

export interface RetrieverOptions {
  /** Fusion weights (default: the ones fitted for this encoder). */
  fusion?: FusionParams;
  /** A lexical index that already holds `papers` (loaded from a snapshot); otherwise one is built. */
  lexical?: LexicalIndex;
}

export interface SearchOptions {
  k?: number;
  /** Passages returned per paper. */
  passages?: number;
  fusion?: FusionParams;
}

/**
 * Hybrid retrieval over the paper library: BM25 over papers, embedding similarity over passages
 * (best passage per paper), fused; each hit carries its best passages for quoting and citing.
 * Depends only on LangChain's `Embeddings` and `VectorStore` interfaces.
 */
export class HybridRetriever extends BaseRetriever {
  lc_namespace = ['paperbot', 'retrieval'];
  readonly lexical: LexicalIndex;
  /** Fusion weights: given, or the ones fitted for this encoder. */
  readonly fusion: FusionParams;
  private readonly papers = new Map<string, RetrievablePaper>();
  /** Names per paper id, filled as papers are indexed or first ranked. */
  private readonly names = new Map<string, { aliases: string[]; text: string }>();

  constructor(
    readonly embeddings: Embeddings,
    private readonly vectors: VectorStore,
    papers: RetrievablePaper[],
    opts: RetrieverOptions = {},
  ) {
    super({});
    this.fusion = opts.fusion ?? fusionFor(embeddings);
    this.lexical = opts.lexical ?? new LexicalIndex();
    this.addPapers(papers, { indexed: opts.lexical !== undefined });
  }

  get size(): number {
    return this.papers.size;
  }

  getPaper(id: string): RetrievablePaper | undefined {
    return this.papers.get(id);
  }

  allPapers(): RetrievablePaper[] {
    return [...this.papers.values()];
  }

  /**
   * Makes newly ingested papers searchable (their vectors must already be in the vector store).
   * `indexed`: the lexical index already holds them (loaded from a snapshot).
   */
  addPapers(papers: RetrievablePaper[], opts: { indexed?: boolean } = {}): void {
    for (const p of papers) {
      this.papers.set(p.id, p);
      this.names.delete(p.id); // a changed paper may have other names
    }
    if (!opts.indexed) this.lexical.add(papers.map((p) => ({ id: p.id, title: p.title, text: p.abstract, aliases: this.namesOf(p).text })));
  }

  async search(query: string, opts: SearchOptions = {}): Promise<PaperHit[]> {
    return this.searchWithVector(query, await this.embeddings.embedQuery(query), opts);
  }

  /** Same as search, with the query vector already computed (batch evaluation, benchmarks). */
  async searchWithVector(query: string, vector: number[], opts: SearchOptions = {}): Promise<PaperHit[]> {
    const k = opts.k ?? 5;
    const fusion = opts.fusion ?? this.fusion;
    const c = await this.candidates(query, vector, fusion.method, Math.max(100, k * 4));
    const lexScore = new Map(c.lexical.map((r) => [r.id, r.score]));
    const denseScore = new Map(c.dense.map((r) => [r.id, r.score]));
    const floor = c.dense.length ? c.dense[c.dense.length - 1]!.score : 0;
    const qTerms = new Set(terms(query));
    return fuseCandidates(c, fusion)
      .slice(0, k)
      .map((r) => {
        const paper = this.papers.get(r.id)!;
        const hit: PaperHit = {
          id: paper.id,
          title: paper.title,
          score: round(r.score),
          paper,
          passages: opts.passages === 0 ? [] : this.rankPassages(paper.id, qTerms, denseScore.get(r.id) ?? floor).slice(0, opts.passages ?? 2),
          signals: {
            lexical: round(lexScore.get(r.id) ?? 0),
            dense: round(denseScore.get(r.id) ?? floor),
            coverage: round(this.coverage(r.id, qTerms, 'rarest')),
          },
        };
        if (namesPaper(query, this.namesOf(paper).aliases)) hit.signals.named = true;
        if (paper.url) hit.url = paper.url;
        return hit;
      });
  }

  /**
   * The two rankings fusion combines, unfused: BM25 papers, papers by their best chunk's cosine
   * similarity, and how much of the question the best BM25 paper covers. Evaluation sweeps fuse
   * these under many settings without searching again.
   */
  async candidates(query: string, vector: number[], method: FusionParams['method'] = this.fusion.method, pool = 100): Promise<Candidates> {
    const lexical = method === 'dense' ? [] : this.lexical.search(query, pool);
    // Best chunk per paper: ask for enough chunks to cover the pool of papers.
    const dense: Scored[] = [];
    const seen = new Set<string>();
    if (method !== 'lexical') {
      const hits = await this.vectors.similaritySearchVectorWithScore(vector, pool * 2);
      for (const [doc, score] of hits) {
        const paperId = String(doc.metadata.paperId);
        if (!this.papers.has(paperId)) continue; // vector of a paper not (yet) in the library
        if (!seen.has(paperId)) {
          seen.add(paperId);
          dense.push({ id: paperId, score });
        }
      }
    }
    const topCoverage = lexical[0] ? this.coverage(lexical[0].id, new Set(terms(query))) : 0;
    return { lexical, dense, topCoverage };
  }

  /** Nearest papers to a paper by embedding (its own text as the query), excluding itself. */
  async similar(paperId: string, k = 5): Promise<PaperHit[]> {
    const paper = this.papers.get(paperId);
    if (!paper) return [];
    const [chunk] = denseChunks(paper);
    // Paper to paper: embedded as a document (a query instruction would skew it toward short questions).
    const [vector] = await this.embeddings.embedDocuments([chunk!.text]);
    const hits = await this.vectors.similaritySearchVectorWithScore(vector!, (k + 1) * 3);
    const out: PaperHit[] = [];
    for (const [doc, score] of hits) {
      const id = String(doc.metadata.paperId);
      if (id === paperId || out.some((h) => h.id === id) || !this.papers.has(id)) continue;
      const hit = this.hitFor(id, paper.title, 1)!;
      out.push({ ...hit, score: round(score), signals: { ...hit.signals, dense: round(score) } });
      if (out.length === k) break;
    }
    return out;
  }

  /** A hit for one known paper (a follow-up that names it), its passages ranked for the query. */
  hitFor(paperId: string, query: string, passages = 2): PaperHit | undefined {
    const paper = this.papers.get(paperId);
    if (!paper) return undefined;
    const qTerms = new Set(terms(query));
    const hit: PaperHit = {
      id: paper.id,
      title: paper.title,
      score: 1,
      paper,
      passages: this.rankPassages(paper.id, qTerms, 0).slice(0, passages),
      signals: { lexical: 0, dense: 0, coverage: round(this.coverage(paper.id, qTerms, 'rarest')) },
    };
    if (paper.url) hit.url = paper.url;
    return hit;
  }

  /**
   * Share of the question's IDF weight whose terms occur in the paper (0..1). For fusion, terms the
   * library never uses are left out (as tuned); for the reported signal they count as rarest.
   */
  /** A paper's aliases and the alias words its title lacks, derived once (regexes over the abstract). */
  private namesOf(p: RetrievablePaper): { aliases: string[]; text: string } {
    let n = this.names.get(p.id);
    if (!n) {
      const aliases = aliasesOf(p);
      n = { aliases, text: aliasText(p.title, aliases) };
      this.names.set(p.id, n);
    }
    return n;
  }

  private coverage(paperId: string, qTerms: Set<string>, unseen: 'zero' | 'rarest' = 'zero'): number {
    const p = this.papers.get(paperId);
    if (!p || qTerms.size === 0) return 0;
    const pt = new Set(terms(`${p.title} ${p.abstract} ${this.namesOf(p).text}`));
    let total = 0;
    let found = 0;
    for (const t of qTerms) {
      const w = this.lexical.idf(t, unseen);
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
  private rankPassages(paperId: string, qTerms: Set<string>, paperDense: number): PassageHit[] {
    // Split on demand (a few papers per query): holding every paper's passages costs memory for nothing.
    const paper = this.papers.get(paperId);
    const passages: Passage[] = paper ? toPassages(paper.id, paper.abstract) : [];
    const maxIdf = [...qTerms].reduce((s, t) => s + this.lexical.idf(t), 0) || 1;
    return passages
      .map((p) => {
        const pt = new Set(terms(p.text));
        const lex = [...qTerms].reduce((s, t) => s + (pt.has(t) ? this.lexical.idf(t) : 0), 0) / maxIdf;
        return { id: p.id, n: p.n, text: p.text, dense: round(paperDense), score: round(0.5 * lex + 0.5 * Math.max(0, paperDense)) };
      })
      .sort((a, b) => b.score - a.score || a.n - b.n)
      .map(({ n: _n, ...hit }) => hit);
  }

  /** LangChain retriever contract: one Document per paper, its best passage as content. */
  async _getRelevantDocuments(query: string): Promise<Document[]> {
    const hits = await this.search(query);
    return hits.map(
      (h) =>
        new Document({
          pageContent: h.passages[0]?.text ?? h.paper.abstract,
          metadata: { paperId: h.id, title: h.title, score: h.score, url: h.url },
          id: h.id,
        }),
    );
  }
}
