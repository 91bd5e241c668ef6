import { titleMatches, type RetrievablePaper } from '../paper/paper.js';

/**
 * Where the retriever reads papers from: every paper in memory (embedded backend, a few thousand to
 * tens of thousands of papers), or the shared database with a small cache (PostgreSQL: a process
 * holds only the papers it is answering about, so a shard's memory does not grow with the library).
 */
export interface PaperCatalog {
  count(): Promise<number>;
  get(ids: string[]): Promise<Map<string, RetrievablePaper>>;
  /** Papers whose normalised titles contain every word (prefix match on the last one): autocomplete. */
  matchTitles(words: string[], limit: number): Promise<RetrievablePaper[]>;
  /** Every paper id, in library order (evaluation). */
  ids(): Promise<string[]>;
  /** Whether a vector's paper is in the library (a vector of a paper not yet added is skipped). */
  has(id: string): boolean;
}

export class MemoryCatalog implements PaperCatalog {
  private readonly papers = new Map<string, RetrievablePaper>();

  constructor(papers: RetrievablePaper[] = []) {
    this.add(papers);
  }

  /** Makes papers known (or replaces them). */
  add(papers: RetrievablePaper[]): void {
    for (const p of papers) this.papers.set(p.id, p);
  }

  has(id: string): boolean {
    return this.papers.has(id);
  }

  async count(): Promise<number> {
    return this.papers.size;
  }

  async get(ids: string[]): Promise<Map<string, RetrievablePaper>> {
    const out = new Map<string, RetrievablePaper>();
    for (const id of ids) {
      const p = this.papers.get(id);
      if (p) out.set(id, p);
    }
    return out;
  }

  async matchTitles(words: string[], limit: number): Promise<RetrievablePaper[]> {
    const out: RetrievablePaper[] = [];
    for (const p of this.papers.values()) {
      if (words.length === 0 || titleMatches(p.title, words)) out.push(p);
      if (out.length === limit) break;
    }
    return out;
  }

  async ids(): Promise<string[]> {
    return [...this.papers.keys()];
  }
}
