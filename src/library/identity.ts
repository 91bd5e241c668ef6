import { normaliseTitle, type Paper } from '../paper/paper.js';
import type { PaperStore } from './store.js';

/**
 * A paper from a live source that the library already holds under another id (a seed paper has a
 * title slug, a Hugging Face paper its arXiv id) is the same paper: match by normalised title and
 * keep the library's id and text (no re-embedding), adding what the source knows (arXiv id, pages,
 * upvotes, summary, links).
 */
export async function reconcile(store: PaperStore, papers: Paper[]): Promise<Paper[]> {
  // Three lookups for the whole batch (a query per paper made a 30k-paper load spend 12 s here).
  const held = new Set((await store.getMany(papers.map((p) => p.id))).map((p) => p.id));
  const fresh = papers.filter((p) => !held.has(p.id));
  const byArxiv = await store.byArxivIds(fresh.flatMap((p) => (p.arxivId ? [p.arxivId] : [])));
  const byTitle = await store.byNormTitles(fresh.map((p) => normaliseTitle(p.title)));
  return papers.map((p) => (held.has(p.id) ? p : reconcileOne(p, (p.arxivId ? byArxiv.get(p.arxivId) : undefined) ?? byTitle.get(normaliseTitle(p.title)))));
}

function reconcileOne(p: Paper, known: Paper | undefined): Paper {
  {
    if (!known || known.id === p.id) return p;
    const merged: Paper = {
      id: known.id,
      title: known.title,
      abstract: known.abstract,
      links: [...new Set([...known.links, ...p.links])],
      source: known.source,
    };
    const url = p.url ?? known.url;
    if (url) merged.url = url;
    if (known.sourceOrder !== undefined) merged.sourceOrder = known.sourceOrder;
    const arxivId = p.arxivId ?? known.arxivId;
    if (arxivId) merged.arxivId = arxivId;
    const upvotes = p.upvotes ?? known.upvotes;
    if (upvotes !== undefined) merged.upvotes = upvotes;
    const aiSummary = p.aiSummary ?? known.aiSummary;
    if (aiSummary) merged.aiSummary = aiSummary;
    const thumbnail = p.thumbnail ?? known.thumbnail;
    if (thumbnail) merged.thumbnail = thumbnail;
    const publishedAt = p.publishedAt ?? known.publishedAt;
    if (publishedAt) merged.publishedAt = publishedAt;
    const authors = p.authors?.length ? p.authors : known.authors;
    if (authors?.length) merged.authors = authors;
    return merged;
  }
}
