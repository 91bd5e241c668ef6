import fs from 'node:fs';
import type { App } from '../app.js';
import { UserFacingError } from '../errors.js';
import { addDocument, type AddedDocument, type ReadDocument } from '../library/add-document.js';
import { fetchArxivHtml, parseArxivRef } from '../sources/fulltext/arxiv-html.js';
import { fetchArxivPdf } from '../sources/fulltext/arxiv-pdf.js';
import { readDocumentFile } from '../sources/fulltext/files.js';

/**
 * What `paperbot add` and `/paper add` read: a local file (arXiv HTML or a PDF), or an arXiv id or
 * URL (arXiv's HTML page, else its PDF, through the process's polite arXiv queue). One clear line when it cannot.
 */
export async function readDocument(app: Pick<App, 'config'>, input: string, opts: { urgent?: boolean } = {}): Promise<ReadDocument> {
  const { config } = app;
  if (fs.existsSync(input)) {
    const file = await readDocumentFile(input, config.MAX_DOCUMENT_MB * 1_000_000);
    return { ...file, source: 'file' };
  }
  const ref = parseArxivRef(input);
  if (!ref && !/^https?:/i.test(input) && /[/\\]|\.(?:x?html?|pdf)$/i.test(input)) throw new UserFacingError(`no such file: ${input}`);
  if (!ref) throw new UserFacingError(`"${input}" is neither a file nor an arXiv id or link (e.g. 2401.01234 or https://arxiv.org/abs/2401.01234)`);
  const common = { timeoutMs: config.SOURCE_TIMEOUT_MS, urgent: !!opts.urgent };
  const html = await fetchArxivHtml(ref, { ...common, base: config.ARXIV_HTML_BASE });
  if (html) return { ...html, source: 'arxiv' };
  // No HTML (never converted, or the conversion failed): the PDF.
  const pdf = await fetchArxivPdf(ref, { ...common, base: config.ARXIV_PDF_BASE, maxBytes: config.MAX_DOCUMENT_MB * 1_000_000 });
  if (!pdf) throw new UserFacingError(`arXiv has no paper ${ref.id}${ref.version ? `v${ref.version}` : ''} (neither an HTML version nor a PDF)`);
  return { ...pdf, source: 'arxiv' };
}

/** Adds one paper with its full text to the app's library; the answer chain reads it at once. */
export async function addToLibrary(app: App, input: string, opts: { urgent?: boolean } = {}): Promise<AddedDocument> {
  return storeDocument(app, await readDocument(app, input, opts));
}

/** Embeds and stores a document read by readDocument (the CPU-bound half: a bot runs it in its work queue). */
export function storeDocument(app: App, doc: ReadDocument): Promise<AddedDocument> {
  return addDocument(doc, {
    store: app.store,
    vectors: app.backend.vectors,
    index: app.backend.index,
    embeddings: app.embeddings,
    fullTexts: app.backend.fullTexts,
    onStored: (id) => app.body.forget(id),
  });
}

/** One line about an added paper, for the CLI and Discord. */
export function describeAdded(a: AddedDocument): string {
  const what = a.unchanged ? 'already in the library with this text' : `${a.passages} passages from ${a.sections} sections`;
  return `${a.newPaper ? 'added' : 'full text for'} "${a.title}" (${a.paperId}): ${what}`;
}
