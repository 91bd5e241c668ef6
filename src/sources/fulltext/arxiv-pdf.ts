import { fetchBytes } from '../http.js';
import { arxivQueue } from '../polite-queue.js';
import { arxivDocumentUrl, arxivSourceKey, type ArxivHtmlOptions, type ArxivRef, type FetchedFullText } from './arxiv-html.js';
import { parsePdf } from './pdf.js';

/** The HTML reader's options (base, queue, urgent), and the largest PDF read. */
export interface ArxivPdfOptions extends ArxivHtmlOptions {
  maxBytes: number;
}

/**
 * A paper's full text from its arXiv PDF (for papers arXiv has no HTML of), or undefined when arXiv
 * has no such paper. Waits its turn in arXiv's queue; a PDF that cannot be read is one line saying why.
 */
export async function fetchArxivPdf(ref: ArxivRef, opts: ArxivPdfOptions): Promise<FetchedFullText | undefined> {
  const asked = arxivDocumentUrl(opts.base, ref);
  const queue = opts.queue ?? arxivQueue;
  const got = await queue.run(() => fetchBytes(asked, { ...opts, accept: 'application/pdf' }), { urgent: !!opts.urgent });
  if (!got) return undefined;
  const body = await parsePdf(got.bytes, `the PDF of ${ref.id}`);
  return {
    body,
    sourceKey: arxivSourceKey(ref, got.url),
    arxivId: ref.id,
    url: `https://arxiv.org/abs/${ref.id}`,
    documentUrl: got.url,
  };
}
