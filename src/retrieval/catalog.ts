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
  /** An in-memory catalog knows at once whether it holds a paper (a vector of a paper not yet added is skipped). */
  has?(id: string): boolean;
  /** Makes papers known (in-memory catalog); a shared catalog reads the database instead. */
  add?(papers: RetrievablePaper[]): void;
}

/** Normalised for title matching: lower case, letters and digits, single spaces. */
export function titleWords(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** True when every word occurs in the title as a word (the last one as a word prefix). */
export function titleMatches(title: string, words: string[]): boolean {
  const t = ` ${titleWords(title)} `;
  return words.every((w, i) => (i === words.length - 1 ? t.includes(` ${w}`) : t.includes(` ${w} `)));
}

export class MemoryCatalog implements PaperCatalog {
  private readonly papers = new Map<string, RetrievablePaper>();

  constructor(papers: RetrievablePaper[] = []) {
    this.add(papers);
  }

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
