import { createHash } from 'node:crypto';

/** A paper as the library keeps it, whatever source it came from. */
export interface Paper {
  /** Stable identity: arXiv id for live sources, slug of the title for the seed page. */
  id: string;
  title: string;
  abstract: string;
  /** Canonical page (arXiv / Hugging Face) when known. */
  url?: string;
  /** Links found in the abstract or given by the source (code first), normalised and de-duplicated. */
  links: string[];
  source: string;
  /** Position on the source page (seed order), for "next not yet posted" digests. */
  sourceOrder?: number;
  arxivId?: string;
  upvotes?: number;
  aiSummary?: string;
  /** A picture of the paper (the Hugging Face page's thumbnail), shown with it on Discord. */
  thumbnail?: string;
  publishedAt?: string;
  /** Author names as the source gives them ("Nal Kalchbrenner"), in order. */
  authors?: string[];
  /** arXiv categories ("cs.CL"), primary first, when the source gives them (arXiv does, Hugging Face does not). */
  categories?: string[];
}

/** Lower-case, accents removed, every run of non-alphanumerics collapsed to one space (title matching and identity). */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** True when every word occurs in the title as a word (the last one as a word prefix). */
export function titleMatches(title: string, words: string[]): boolean {
  const t = ` ${normaliseTitle(title)} `;
  return words.every((w, i) => (i === words.length - 1 ? t.includes(` ${w}`) : t.includes(` ${w} `)));
}

/** The fields of a paper retrieval, answers and Discord need (a stored Paper satisfies it). */
export type RetrievablePaper = Pick<Paper, 'id' | 'title' | 'abstract' | 'url' | 'links' | 'upvotes' | 'thumbnail' | 'authors'>;

/** URL-safe, stable slug of a title (at most 80 characters, cut at a word boundary). */
export function slugify(title: string): string {
  const words = normaliseTitle(title).split(' ').filter(Boolean);
  let slug = '';
  for (const w of words) {
    const next = slug ? `${slug}-${w}` : w;
    if (next.length > 80) break;
    slug = next;
  }
  return slug || 'untitled';
}

/** Hash of everything that affects what we embed and show: a changed abstract means re-embedding. */
export function contentHash(p: Pick<Paper, 'title' | 'abstract'>): string {
  return createHash('sha256').update(p.title).update('\u0000').update(p.abstract).digest('hex').slice(0, 16);
}

const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Strips sentence punctuation off a URL's end; a closing bracket stays if the URL opened it. */
function trimUrl(url: string): string {
  for (;;) {
    const last = url.slice(-1);
    const opener = CLOSERS[last];
    if (opener !== undefined) {
      const opens = url.split(opener).length - 1;
      const closes = url.split(last).length - 1;
      if (opens >= closes) return url;
    } else if (!/[.,;:!?>'"`]/.test(last)) {
      return url;
    }
    url = url.slice(0, -1);
  }
}

/** Every http(s) URL in a text, with sentence punctuation stripped and glued duplicates split. */
export function extractLinks(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.match(/https?:\/\/[^\s<>"]+/g) ?? []) {
    // "…Synthesis.https://github.com/x" – one token holding two URLs glued to a sentence end.
    for (const part of raw.split(/(?=https?:\/\/)/)) {
      const url = trimUrl(part);
      if (/^https?:\/\/[^/]+\.[^/]+/.test(url) && !out.includes(url)) out.push(url);
    }
  }
  return out;
}

/** Hosts whose links are a paper's code. */
const CODE_HOSTS = /github\.com|gitlab\.com|bitbucket\.org|huggingface\.co\/(?!papers)/;

/** A paper's code link (GitHub, GitLab, …), if it has one. */
export function codeLink(p: Pick<Paper, 'links'>): string | undefined {
  return p.links.find((l) => CODE_HOSTS.test(l));
}

/** A paper's body, read from its full text: each section with its number, title and paragraphs. */
export interface FullText {
  title: string;
  authors: string[];
  abstract: string;
  sections: Section[];
}

export interface Section {
  /** The anchor in the document (`S5.SS1`), for a link to it. */
  id: string;
  /** Its number as printed (`5.1`); empty for an unnumbered section. */
  number: string;
  title: string;
  /** Paragraphs as readable text (math made readable, citation markers and footnote marks out of the sentences); captions and tables as lines of their own. */
  paragraphs: string[];
}
