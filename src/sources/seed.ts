import { UserFacingError } from '../errors.js';
import fs from 'node:fs';
import path from 'node:path';
import { extractLinks, slugify, type Paper } from '../paper/paper.js';

/** A problem in a source file, with the place a person can open in an editor. */
export class SourceFormatError extends UserFacingError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** The page chrome of the Daily Papers page: not papers. */
const HEADER_LINES = new Set(['new', 'get trending papers in your email inbox!', 'subscribe', 'daily papers', 'by ak and the research community']);

const MIN_ABSTRACT_WORDS = 20;
const MAX_TITLE_CHARS = 400;

const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * Parses the Daily Papers page: header lines, then for each paper a title line and an abstract line,
 * separated by blank lines. Throws SourceFormatError (file and line) on anything it cannot read whole:
 * a partial library must never replace a good one.
 */
export function parseSeedPage(text: string, file = 'seed'): Paper[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (text.includes('\u0000') || /[\u0001-\u0008\u000e-\u001f]/.test(text)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    const at = text.search(/[\u0000-\u0008\u000e-\u001f]/);
    const line = text.slice(0, at).split('\n').length;
    throw new SourceFormatError(file, line, 'binary data: this is not a text file');
  }
  if (text.includes('\ufffd')) {
    const line = text.slice(0, text.indexOf('\ufffd')).split('\n').length;
    throw new SourceFormatError(file, line, 'invalid UTF-8: this is not a text file');
  }
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const blocks: { line: number; text: string }[] = [];
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t) blocks.push({ line: i + 1, text: t });
  });
  let start = 0;
  while (start < blocks.length && HEADER_LINES.has(blocks[start]!.text.toLowerCase())) start++;
  if (start === blocks.length) {
    throw new SourceFormatError(file, Math.max(1, lines.length), text.trim() ? 'no papers after the page header' : 'the file is empty: no papers found');
  }

  const papers: Paper[] = [];
  const seen = new Map<string, number>();
  for (let i = start; i < blocks.length; i += 2) {
    const title = blocks[i]!;
    const abstract = blocks[i + 1];
    if (title.text.length > MAX_TITLE_CHARS || wordCount(title.text) >= 60) {
      throw new SourceFormatError(file, title.line, 'expected a paper title here, found a paragraph (is a title missing before this abstract?)');
    }
    if (!abstract) {
      throw new SourceFormatError(file, title.line, `title "${title.text}" has no abstract (end of file)`);
    }
    if (wordCount(abstract.text) < MIN_ABSTRACT_WORDS) {
      throw new SourceFormatError(file, title.line, `title "${title.text}" has no abstract (line ${abstract.line} looks like another title)`);
    }
    let id = slugify(title.text);
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (n > 1) id = `${id}-${n}`;
    papers.push({
      id,
      title: title.text,
      abstract: abstract.text,
      links: extractLinks(abstract.text),
      source: 'seed',
      sourceOrder: papers.length,
    });
  }
  return papers;
}

/** Reads and parses a seed file; the error names the file as the user typed it. */
export function readSeedFile(file: string): Paper[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceFormatError(file, 0, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read: ${code}`);
  }
  return parseSeedPage(new TextDecoder('utf-8').decode(buf), path.relative(process.cwd(), file) || file);
}
