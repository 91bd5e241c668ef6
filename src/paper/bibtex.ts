import type { Paper } from './paper.js';

type Citable = Pick<Paper, 'id' | 'title' | 'url' | 'arxivId' | 'authors' | 'publishedAt'> & { links?: string[] };

/** Where a paper is read: its arXiv page, else its page, else its first link (a seed paper's code). */
const linkOf = (p: Citable) => (p.arxivId ? `https://arxiv.org/abs/${p.arxivId}` : (p.url ?? p.links?.[0]));

/** The year a paper appeared: its publication date, else the one its arXiv id encodes (2401.01234 → 2024). */
export function paperYear(p: Citable): string | undefined {
  const date = /^(\d{4})-/.exec(p.publishedAt ?? '')?.[1];
  if (date) return date;
  const id = /^(\d{2})(\d{2})\.\d{4,5}$/.exec(p.arxivId ?? '');
  return id ? `20${id[1]}` : undefined;
}

/**
 * Text as BibTeX reads it back unchanged: the characters TeX treats specially escaped, unbalanced
 * braces impossible, whitespace one space. LaTeX a source already wrote ("$\alpha$") is escaped too,
 * so the entry is always valid (a reader sees the characters, not the formula).
 */
export function bibtexText(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\\/g, '\\textbackslash ')
    .replace(/([{}&%$#_])/g, '\\$1')
    .replace(/~/g, '\\textasciitilde{}')
    .replace(/\^/g, '\\textasciicircum{}')
    .replace(/\\textbackslash /g, '\\textbackslash{}');
}

/** "Bob Smith Jr." as BibTeX reads a suffix: "Smith, Jr., Bob"; other names stay "First Last". */
function bibtexName(name: string): string {
  const words = name.trim().split(/\s+/);
  const suffix = words.length > 2 && /^(?:jr\.?|sr\.?|ii|iii|iv)$/i.test(words.at(-1)!) ? words.pop()! : undefined;
  return suffix ? `${words.at(-1)}, ${suffix}, ${words.slice(0, -1).join(' ')}` : words.join(' ');
}

/** A key from the first author's surname, the year and the title's first long word: "pei2014maxmargin". */
function baseKey(p: Citable): string {
  const ascii = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
  const first = p.authors?.[0]
    ?.trim()
    .split(/\s+/)
    .filter((w) => !/^(?:jr\.?|sr\.?|ii|iii|iv)$/i.test(w));
  const surname = ascii(first?.at(-1) ?? '') || 'anon';
  const word =
    p.title
      .split(/\s+/)
      .map(ascii)
      .find((w) => w.length >= 4 && !/^(?:with|from|into|over|towards?|using|about)$/.test(w)) ?? 'paper';
  return `${surname}${paperYear(p) ?? ''}${word}`;
}

/**
 * BibTeX entries for papers, in their order: `@misc` with authors, title, year, and for arXiv papers
 * `eprint`, `archivePrefix` and `url`. Keys are stable (the same paper gets the same key) and unique
 * within the export (a second "pei2014maxmargin" becomes "pei2014maxmarginb", in paper-id order).
 */
export function bibtexOf(papers: Citable[]): string {
  const keys = new Map<string, string>();
  const taken = new Map<string, number>();
  for (const p of [...papers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const base = baseKey(p);
    const n = taken.get(base) ?? 0;
    taken.set(base, n + 1);
    keys.set(p.id, n === 0 ? base : `${base}${String.fromCharCode(97 + Math.min(n, 25))}${n > 25 ? n : ''}`);
  }
  return papers.map((p) => entry(keys.get(p.id)!, p)).join('\n');
}

function entry(key: string, p: Citable): string {
  const fields: [string, string][] = [];
  if (p.authors?.length) fields.push(['author', p.authors.map((a) => bibtexText(bibtexName(a))).join(' and ')]);
  fields.push(['title', `{${bibtexText(p.title)}}`]);
  const year = paperYear(p);
  if (year) fields.push(['year', year]);
  if (p.arxivId) fields.push(['eprint', bibtexText(p.arxivId)], ['archivePrefix', 'arXiv']);
  const url = linkOf(p);
  if (url) fields.push(['url', url.replace(/[{}\s]/g, '')]);
  return `@misc{${key},\n${fields.map(([k, v]) => `  ${k} = {${v}}`).join(',\n')}\n}\n`;
}

/** The same papers as a Markdown list: linked title, authors, year. */
export function markdownList(papers: Citable[]): string {
  return papers
    .map((p) => {
      const url = linkOf(p);
      const title = p.title.replace(/([[\]])/g, '\\$1');
      const who = p.authors?.length ? ` — ${p.authors.length > 3 ? `${p.authors.slice(0, 3).join(', ')} et al.` : p.authors.join(', ')}` : '';
      const year = paperYear(p);
      return `- ${url ? `[${title}](${url})` : title}${who}${year ? ` (${year})` : ''}`;
    })
    .join('\n')
    .concat('\n');
}
