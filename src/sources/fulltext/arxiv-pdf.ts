import { fetchBytes, type FetchOptions } from '../http.js';
import { arxivQueue, type PoliteQueue } from '../polite-queue.js';
import { arxivDocumentUrl, arxivSourceKey, type ArxivRef, type FetchedFullText } from './arxiv-html.js';
import { parsePdf } from './pdf.js';

export interface ArxivPdfOptions extends FetchOptions {
  base: string;
  maxBytes: number;
  queue?: PoliteQueue;
  /** A user is waiting: go before background requests. */
  urgent?: boolean;
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
