import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FullText } from '../../paper/paper.js';
import { SourceError } from '../http.js';
import { parseArxivRef } from './arxiv-html.js';
import { arxivPageOf, parseLatexml } from './latexml.js';
import { parsePdf } from './pdf.js';

/** A document read from a file, keyed by its content. */
export interface FileFullText {
  body: FullText;
  /** `file:<sha256 of the bytes>`: the same file is read and embedded once. */
  sourceKey: string;
  /** A saved arXiv page says which paper it is: the paper is keyed by its arXiv id, and its sections link to arXiv. */
  arxivId?: string;
  url?: string;
  documentUrl?: string;
}

const HTML = /\.(x?html?|xht)$/i;

/**
 * Reads a paper's full text from a local file: arXiv's HTML (LaTeXML, HTML5 or XHTML) or a PDF. Anything
 * else, a page that is not a converted paper, or a file over `maxBytes` is refused with one line.
 */
export async function readDocumentFile(file: string, maxBytes: number): Promise<FileFullText> {
  const name = path.basename(file);
  let size: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new SourceError(`${name} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size > maxBytes) throw new SourceError(`${name} is ${Math.round(size / 1e6)} MB, over the ${Math.round(maxBytes / 1e6)} MB limit (MAX_DOCUMENT_MB)`);
  if (size === 0) throw new SourceError(`${name} is empty`);
  const bytes = fs.readFileSync(file);
  const sourceKey = `file:${createHash('sha256').update(bytes).digest('hex')}`;
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return { body: await parsePdf(bytes, name), sourceKey };
  if (/\.pdf$/i.test(name)) throw new SourceError(`${name} is not a PDF (it does not start with %PDF-)`);
  if (!HTML.test(name) && !looksLikeHtml(bytes)) throw new SourceError(`${name} is neither an HTML page nor a PDF`);
  const html = bytes.toString('utf8');
  const body = parseLatexml(html);
  if (!body)
    throw new SourceError(
      `${name} is not a paper converted to HTML by LaTeXML/arXiv (no article with sections found: a login wall, an error page or another kind of page?)`,
    );
  const page = arxivPageOf(html);
  const ref = page && parseArxivRef(page.replace(/^.*\/html\//, ''));
  if (!page || !ref) return { body, sourceKey };
  return { body, sourceKey, arxivId: ref.id, url: `https://arxiv.org/abs/${ref.id}`, documentUrl: page };
}

const looksLikeHtml = (bytes: Buffer) => /^\s*(?:<\?xml|<!doctype html|<html)/i.test(bytes.subarray(0, 512).toString('utf8'));
