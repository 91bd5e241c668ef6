import { UserFacingError } from '../errors.js';
import { extractLinks, slugify, type FullText, type Paper } from '../paper/paper.js';
import { bodyPassages, passageEmbeddingText } from '../retrieval/body/passages.js';
import type { NamedEmbeddings } from '../retrieval/encoders/embeddings.js';
import { bodyHash, type FullTextStore } from './fulltext-store.js';
import { reconcile } from './identity.js';
import { ingest, readablePaper, type IngestDeps } from './ingest.js';

/** A document read by a full-text source (an arXiv HTML page, a PDF, a local file). */
export interface ReadDocument {
  body: FullText;
  /** What was read: `arxiv:<id>v<N>` or `file:<sha256>`. */
  sourceKey: string;
  /** The paper's source label when it is new to the library (`arxiv`, `file`). */
  source: string;
  arxivId?: string;
  /** The paper's page (arXiv abstract page). */
  url?: string;
  /** The document's own address, for links to its sections (`…/html/<id>v<N>`). */
  documentUrl?: string;
}

export interface AddedDocument {
  paperId: string;
  title: string;
  /** The paper was new to the library (false: the full text joined a paper it had, e.g. a seed paper). */
  newPaper: boolean;
  /** The same text was stored already: nothing was embedded. */
  unchanged: boolean;
  passages: number;
  sections: number;
}

export type AddDeps = IngestDeps & { fullTexts: FullTextStore; embeddings: NamedEmbeddings; onStored?: (paperId: string) => void };

/**
 * Adds a paper with its full text: the paper (title, authors' abstract) joins the library as from any
 * source — matched to one it holds by arXiv id or title — then the body's passages are embedded and
 * stored with it. Nothing is embedded when the same text, for the same encoder, is there already.
 */
export async function addDocument(doc: ReadDocument, deps: AddDeps): Promise<AddedDocument> {
  const paper = readablePaper(paperOf(doc));
  const [known] = await reconcile(deps.store, [paper]);
  const paperId = known!.id;
  const passages = bodyPassages(paperId, doc.body);
  if (passages.length === 0) throw new UserFacingError(`"${clipTitle(paper.title)}" has no body text to read (only its title and abstract)`);
  const contentHash = bodyHash(doc.body);
  const stored = await deps.fullTexts.key(paperId);
  const unchanged = stored?.contentHash === contentHash && stored.model === deps.embeddings.modelId;
  // Embedded before anything is written: a failure leaves the library as it was.
  const vectors = unchanged ? [] : await deps.embeddings.embedDocuments(passages.map(passageEmbeddingText));
  const held = await deps.store.get(paperId);
  await ingest([known!], deps);
  if (!unchanged) {
    await deps.fullTexts.put({
      paperId,
      sourceKey: doc.sourceKey,
      contentHash,
      body: doc.body,
      model: deps.embeddings.modelId,
      vectors,
      ...(doc.documentUrl ? { url: doc.documentUrl } : {}),
    });
    deps.onStored?.(paperId);
  }
  return { paperId, title: known!.title, newPaper: !held, unchanged, passages: passages.length, sections: doc.body.sections.length };
}

/** The library's record of a document: its title and abstract (the first paragraph when it has no abstract), links, ids. */
function paperOf(doc: ReadDocument): Paper {
  const title = doc.body.title.trim();
  if (!title) throw new UserFacingError('the document has no title, so it cannot be added as a paper');
  const abstract = doc.body.abstract.trim() || doc.body.sections.find((s) => s.paragraphs.length)?.paragraphs[0] || '';
  const p: Paper = { id: doc.arxivId ?? slugify(title), title, abstract, links: extractLinks(abstract), source: doc.source };
  if (doc.arxivId) p.arxivId = doc.arxivId;
  if (doc.url) p.url = doc.url;
  const authors = doc.body.authors.map((a) => a.trim()).filter(Boolean);
  if (authors.length) p.authors = authors;
  return p;
}

const clipTitle = (t: string) => (t.length > 80 ? `${t.slice(0, 77)}…` : t);
