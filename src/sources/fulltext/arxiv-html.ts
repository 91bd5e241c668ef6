import type { FullText } from '../../paper/paper.js';
import { fetchPage, type FetchOptions } from '../http.js';
import { arxivQueue, type PoliteQueue } from '../polite-queue.js';
import { parseLatexml } from './latexml.js';

/** An arXiv paper, with the version when one was given. */
export interface ArxivRef {
  id: string;
  version?: number;
}

/** A full text read from a source, with what identifies the version read. */
export interface FetchedFullText {
  body: FullText;
  /** `arxiv:<id>v<N>` (the version arXiv served). */
  sourceKey: string;
  arxivId: string;
  /** The abstract page. */
  url: string;
  /** The HTML page itself, for links to its sections. */
  documentUrl: string;
}

const NEW_ID = /(\d{4}\.\d{4,5})(?:v(\d+))?/;
const OLD_ID = /([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v(\d+))?/;

/** `2401.01234`, `2401.01234v2`, `arXiv:2401.01234`, an arxiv.org abs / html / pdf URL, or an old-style id (`cs/0112017`). */
export function parseArxivRef(input: string): ArxivRef | undefined {
  const s = input.trim();
  const url = /^https?:\/\/(?:www\.|export\.)?arxiv\.org\/(?:abs|html|pdf)\/(.+?)(?:\.pdf)?\/?(?:[?#].*)?$/i.exec(s);
  const rest = url ? url[1]! : s.replace(/^arxiv:\s*/i, '');
  for (const re of [NEW_ID, OLD_ID]) {
    const m = new RegExp(`^${re.source}$`).exec(rest);
    if (m) return m[2] ? { id: m[1]!, version: Number(m[2]) } : { id: m[1]! };
  }
  return undefined;
}

/** `<base>/<id>` or `<base>/<id>v<N>`: how arXiv addresses a paper's HTML and PDF. */
export const arxivDocumentUrl = (base: string, ref: ArxivRef) => `${base.replace(/\/+$/, '')}/${ref.id}${ref.version ? `v${ref.version}` : ''}`;

/** What a fetched document is keyed by: `arxiv:<id>v<N>`, the version asked for or the one arXiv redirected to. */
export function arxivSourceKey(ref: ArxivRef, servedUrl: string): string {
  const version = ref.version ?? Number(/v(\d+)(?:\.pdf)?\/?$/.exec(new URL(servedUrl).pathname)?.[1] ?? 0);
  return `arxiv:${ref.id}${version ? `v${version}` : ''}`;
}

export interface ArxivHtmlOptions extends FetchOptions {
  base: string;
  queue?: PoliteQueue;
  /** A user is waiting: go before background requests. */
  urgent?: boolean;
}

/**
 * A paper's full text from arXiv's HTML conversion, or undefined when arXiv has none (no HTML for
 * the paper, or a conversion that failed). Waits its turn in arXiv's queue (one request per 3 s).
 */
export async function fetchArxivHtml(ref: ArxivRef, opts: ArxivHtmlOptions): Promise<FetchedFullText | undefined> {
  const asked = arxivDocumentUrl(opts.base, ref);
  const queue = opts.queue ?? arxivQueue;
  const page = await queue.run(() => fetchPage(asked, { ...opts, accept: 'text/html, application/xhtml+xml', missingOk: true }), { urgent: !!opts.urgent });
  if (page.status === 404) return undefined;
  const body = parseLatexml(page.text);
  if (!body) return undefined;
  return {
    body,
    sourceKey: arxivSourceKey(ref, page.url),
    arxivId: ref.id,
    url: `https://arxiv.org/abs/${ref.id}`,
    documentUrl: page.url,
  };
}
