import zlib from 'node:zlib';
import { readableText } from '../../library/readable.js';
import type { FullText, Section } from '../../paper/paper.js';
import { SourceError } from '../http.js';

/** A line of text on a page, as pdf.js placed its glyph runs. */
interface Line {
  page: number;
  x: number;
  y: number;
  /** Font size (the text matrix's vertical scale). */
  size: number;
  text: string;
  /** Vertical distance to the line before it in reading order (0 at a column's top). */
  gap: number;
}

interface TextItem {
  str: string;
  transform: number[];
  width: number;
  hasEOL?: boolean;
}

/** Pages read at most: a book-length PDF is cut there, not read whole. */
const MAX_PAGES = 80;
/** Text kept at most: a PDF whose streams inflate to more than this is cut (a zip bomb stops here). */
const MAX_CHARS = 2_000_000;
/** Compressed streams may inflate to this much in all (200 MB): a zip bomb is refused before pdf.js reads it. */
const MAX_INFLATED = 200_000_000;
/** A document with less text than this has no text layer worth reading (a scan). */
const MIN_CHARS = 400;

const HEADING = /^((?:\d+|[A-Z])(?:\.\d+){0,3})\.?\s+([A-Z][^.!?]{1,80})$/;
const NAMED_HEADING = /^(abstract|introduction|related work|background|conclusions?|discussion|acknowledg(?:e)?ments?)$/i;
const REFERENCES = /^(?:\d+\.?\s+)?(references|bibliography)$/i;

/**
 * A paper's full text from a PDF, read with Mozilla's pdf.js: lines in reading order (one or two
 * columns), running headers, footers and page numbers dropped, words hyphenated across lines joined,
 * section headings recovered from their numbering ("5.1 Training") and size, the references cut
 * off. The title is the largest text on the first page. An unreadable, encrypted or text-less PDF
 * is one line saying so.
 */
export async function parsePdf(bytes: Uint8Array, name = 'the PDF'): Promise<FullText> {
  const lines = await readLines(bytes, name);
  const chars = lines.reduce((n, l) => n + l.text.length, 0);
  if (chars < MIN_CHARS) throw new SourceError(`${name} has no text to read (a scanned document without a text layer?)`);
  const kept = withoutRunningLines(lines);
  const body = bodySize(kept);
  const title = titleOf(kept);
  return {
    title,
    authors: [],
    ...sectionsOf(
      kept.filter((l) => !title.includes(l.text) || l.page > 1),
      body,
    ),
  };
}

async function readLines(bytes: Uint8Array, name: string): Promise<Line[]> {
  if (!inflatesWithin(bytes, MAX_INFLATED))
    throw new SourceError(`${name} inflates to more than ${MAX_INFLATED / 1e6} MB of content (a zip bomb?): it is not read`);
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({ data: new Uint8Array(bytes), disableFontFace: true, useSystemFonts: false, verbosity: 0 });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (err) {
    await task.destroy();
    const e = err as Error;
    if (e.name === 'PasswordException') throw new SourceError(`${name} is encrypted (password-protected): it cannot be read`);
    throw new SourceError(`${name} is not a readable PDF (${e.message.split('\n')[0]})`);
  }
  try {
    const out: Line[] = [];
    let chars = 0;
    for (let n = 1; n <= Math.min(doc.numPages, MAX_PAGES) && chars < MAX_CHARS; n++) {
      const page = await doc.getPage(n);
      const width = page.view[2]! - page.view[0]!;
      const content = await page.getTextContent();
      const pageLines = linesOf(
        content.items.flatMap((i) => ('str' in i ? [i] : [])),
        n,
        width,
      );
      chars += pageLines.reduce((s, l) => s + l.text.length, 0);
      out.push(...pageLines);
      page.cleanup();
    }
    return out;
  } finally {
    await task.destroy();
  }
}

/**
 * Whether the PDF's Flate-compressed streams inflate to at most `limit` bytes in all. Each stream is
 * inflated with a cap on its output, so a bomb stops at the cap; a stream that is not Flate is skipped.
 */
function inflatesWithin(bytes: Uint8Array, limit: number): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let left = limit;
  for (let at = buf.indexOf('stream'); at >= 0; at = buf.indexOf('stream', at + 6)) {
    if (buf.subarray(Math.max(0, at - 3), at).toString('latin1') === 'end') continue;
    const start = at + 6 + (buf[at + 6] === 0x0d ? 2 : 1);
    const end = buf.indexOf('endstream', start);
    if (end < 0) break;
    try {
      left -= zlib.inflateSync(buf.subarray(start, end), { maxOutputLength: Math.max(1, left), finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return false;
    }
    if (left <= 0) return false;
    at = end;
  }
  return true;
}

/** Glyph runs grouped into lines by baseline, lines put in reading order: a two-column page's left column first. */
function linesOf(items: TextItem[], page: number, width: number): Line[] {
  const runs = items.filter((i) => i.str.trim());
  const mid = width / 2;
  const right = (i: TextItem) => i.transform[4]! >= mid - 5;
  // Two columns: text right of the middle, and a gutter there that few lines cross (on a one-column
  // page nearly every full line has a word over the middle; a title block crosses on a few).
  const rowYs = new Set(runs.map((i) => Math.round(i.transform[5]!)));
  const crossingYs = new Set(runs.filter((i) => i.transform[4]! < mid + 2 && i.transform[4]! + i.width > mid - 2).map((i) => Math.round(i.transform[5]!)));
  const twoColumns = runs.filter(right).length >= 3 && crossingYs.size < rowYs.size * 0.3;
  const rows = new Map<string, TextItem[]>();
  for (const it of runs) {
    const column = twoColumns && right(it) ? 1 : 0;
    const y = Math.round(it.transform[5]!);
    const near = [...rows.keys()].find((k) => k.startsWith(`${column}:`) && Math.abs(Number(k.slice(2)) - y) <= 2);
    const key = near ?? `${column}:${y}`;
    rows.set(key, [...(rows.get(key) ?? []), it]);
  }
  const lines = [...rows].map(([key, row]) => lineOf(row, page, Number(key[0])));
  lines.sort((a, b) => a.column - b.column || b.y - a.y);
  return lines.map(({ column, ...l }, i) => ({ ...l, gap: i > 0 && lines[i - 1]!.column === column ? lines[i - 1]!.y - l.y : 0 }));
}

/** One line's runs left to right, a space only where the runs are apart (a kerned word split into runs stays one word). */
function lineOf(row: TextItem[], page: number, column: number): Omit<Line, 'gap'> & { column: number } {
  row.sort((a, b) => a.transform[4]! - b.transform[4]!);
  const size = Math.max(...row.map((i) => Math.abs(i.transform[3]!)));
  let text = '';
  let end = -Infinity;
  for (const it of row) {
    const x = it.transform[4]!;
    text += text && x - end > size * 0.15 ? ` ${it.str}` : it.str;
    end = x + it.width;
  }
  return { page, column, x: row[0]!.transform[4]!, y: Math.round(row[0]!.transform[5]!), size, text: text.replace(/\s+/g, ' ').trim() };
}

/** Running headers and footers (the same text, digits aside, on many pages) and bare page numbers. */
function withoutRunningLines(lines: Line[]): Line[] {
  const pages = new Set(lines.map((l) => l.page)).size;
  const shape = (t: string) => t.replace(/\d+/g, '#').toLowerCase();
  const count = new Map<string, number>();
  for (const l of lines) count.set(shape(l.text), (count.get(shape(l.text)) ?? 0) + 1);
  return lines.filter((l) => !/^\d{1,4}$/.test(l.text) && !(pages >= 3 && (count.get(shape(l.text)) ?? 0) >= Math.max(3, pages * 0.5)));
}

/** The most common font size, weighted by text: the body's. */
function bodySize(lines: Line[]): number {
  const by = new Map<number, number>();
  for (const l of lines) by.set(Math.round(l.size), (by.get(Math.round(l.size)) ?? 0) + l.text.length);
  return [...by].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 10;
}

/** The largest text in the top half of the first page (its lines joined). */
function titleOf(lines: Line[]): string {
  const first = lines.filter((l) => l.page === 1).slice(0, 15);
  const size = Math.max(...first.map((l) => l.size));
  return first
    .filter((l) => l.size >= size - 0.5)
    .map((l) => l.text)
    .join(' ')
    .trim();
}

/** Abstract and sections: headings start sections, lines join into paragraphs (hyphenation undone), references end the body. */
function sectionsOf(lines: Line[], body: number): { abstract: string; sections: Section[] } {
  const sections: Section[] = [];
  let abstract: string[] | undefined;
  let para: string[] = [];
  let heading: Line | undefined;
  const flush = () => {
    const text = readableText(joinLines(para));
    para = [];
    if (!text) return;
    if (sections.length) sections.at(-1)!.paragraphs.push(text);
    else if (abstract) abstract.push(text);
  };
  for (const l of lines) {
    if (REFERENCES.test(l.text)) break;
    const found = headingOf(l, body, sections.at(-1)?.number);
    if (found === 'abstract') {
      flush();
      abstract = [];
    } else if (found) {
      flush();
      sections.push({ id: `page=${l.page}`, number: found.number, title: found.title, paragraphs: [] });
    } else if (heading && heading.size > body + 0.4 && Math.abs(l.size - heading.size) < 0.3 && l.gap < l.size * 1.6 && para.length === 0) {
      sections.at(-1)!.title += ` ${l.text}`; // a heading wrapped onto a second line
      continue;
    } else {
      if (l.gap > l.size * 1.9) flush();
      para.push(l.text);
    }
    heading = found && found !== 'abstract' ? l : undefined;
  }
  flush();
  return { abstract: (abstract ?? []).join(' '), sections: sections.filter((s) => s.paragraphs.length > 0) };
}

/**
 * A heading: "Abstract"; a numbered line set larger than the body, or one after a gap whose number
 * does not go back (a numbered list item "1 Pre-training: …" inside §3 is not §1); a named section.
 */
function headingOf(l: Line, body: number, previous: string | undefined): { number: string; title: string } | 'abstract' | undefined {
  if (/^abstract\b/i.test(l.text) && l.text.length < 12) return 'abstract';
  if (l.text.split(' ').length > 12) return undefined;
  const numbered = HEADING.exec(l.text);
  if (numbered) {
    const larger = l.size > body + 0.4;
    const onward = !previous || compareNumbers(numbered[1]!, previous) > 0;
    if (larger || (l.gap > l.size * 1.5 && onward && !/[:,;]/.test(numbered[2]!))) return { number: numbered[1]!, title: numbered[2]!.trim() };
  }
  if (NAMED_HEADING.test(l.text) && l.size >= body) return { number: '', title: l.text };
  return undefined;
}

/** Section numbers in document order: "3.3.3" < "4" < "4.1"; appendix letters after digits. */
function compareNumbers(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = /^\d+$/.test(pa[i]!) ? Number(pa[i]) : 1000 + pa[i]!.charCodeAt(0);
    const nb = /^\d+$/.test(pb[i]!) ? Number(pb[i]) : 1000 + pb[i]!.charCodeAt(0);
    if (na !== nb) return na - nb;
  }
  return 0;
}

/** Lines of a paragraph as one text: "repre-" + "sentation" is one word again; a hyphen before a capital stays ("Chinese-English"). */
function joinLines(lines: string[]): string {
  let out = '';
  for (const line of lines) {
    if (/[a-z]-$/.test(out) && /^[a-z]/.test(line)) out = out.slice(0, -1) + line;
    else out = out ? `${out} ${line}` : line;
  }
  return out.trim();
}
