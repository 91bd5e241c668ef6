import { oneLine } from '../util.js';
import { XMLParser } from 'fast-xml-parser';
import { extractLinks, normaliseTitle, type Paper } from '../paper/paper.js';
import { SourceError, fetchText, type FetchOptions } from './http.js';
import { arxivQueue, type PoliteQueue } from './polite-queue.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'link', 'author', 'category'].includes(name) });

/** Parses an arXiv Atom feed; an unreadable feed is an error, entries without title/abstract are skipped. */
export function parseArxivAtom(xml: string, where = 'arxiv'): Paper[] {
  let doc: { feed?: { entry?: Record<string, unknown>[] } };
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new SourceError(`${where}: not an Atom feed (${(err as Error).message})`);
  }
  if (!doc.feed) throw new SourceError(`${where}: not an Atom feed`);
  const papers: Paper[] = [];
  for (const e of doc.feed.entry ?? []) {
    const idUrl = oneLine(e.id);
    const m = /arxiv\.org\/abs\/([^v\s]+?)(v\d+)?$/.exec(idUrl);
    const title = oneLine(e.title);
    const abstract = oneLine(e.summary);
    if (!m || !title || !abstract) continue;
    const id = m[1]!;
    const links = (e.link as { '@href'?: string; '@title'?: string }[] | undefined) ?? [];
    const paper: Paper = {
      id,
      title,
      abstract,
      url: `https://arxiv.org/abs/${id}`,
      links: [
        ...new Set([
          ...extractLinks(abstract),
          ...links.filter((l) => l['@title'] === 'pdf' && l['@href']).map((l) => l['@href']!.replace(/^http:/, 'https:')),
        ]),
      ],
      source: 'arxiv',
      arxivId: id,
      sourceOrder: papers.length,
    };
    const authors = ((e.author as { name?: unknown }[] | undefined) ?? []).map((a) => oneLine(a.name)).filter(Boolean);
    if (authors.length) paper.authors = authors;
    const categories = ((e.category as { '@term'?: unknown }[] | undefined) ?? []).map((c) => oneLine(c['@term'])).filter(Boolean);
    if (categories.length) paper.categories = [...new Set(categories)];
    const published = oneLine(e.published);
    if (published) paper.publishedAt = published;
    papers.push(paper);
  }
  return papers;
}

/** Newest papers for an arXiv search query (e.g. `cat:cs.CV`), most recent first. */
export async function fetchArxiv(query: string, base: string, max = 50, opts: FetchOptions = {}): Promise<Paper[]> {
  const q = query.trim();
  if (!q) throw new SourceError('an arXiv query is required, e.g. --query "cat:cs.CV"');
  const url = `${base.replace(/\/$/, '')}/api/query?search_query=${encodeURIComponent(q)}&start=0&max_results=${Math.min(Math.max(1, max), 200)}&sortBy=submittedDate&sortOrder=descending`;
  return parseArxivAtom(await fetchText(url, opts), url);
}

export interface TitleLookupOptions extends FetchOptions {
  base: string;
  queue?: PoliteQueue;
  /** A user is waiting: ahead of background requests in the queue. */
  urgent?: boolean;
}

/**
 * A paper's arXiv id found by its exact title (the seed page gives titles, not ids): arXiv's search
 * for the title as a phrase, and the entry whose normalised title is the same. Undefined when none is.
 */
export async function findArxivIdByTitle(title: string, opts: TitleLookupOptions): Promise<string | undefined> {
  const phrase = normaliseTitle(title);
  if (!phrase) return undefined;
  const url = `${opts.base.replace(/\/$/, '')}/api/query?search_query=${encodeURIComponent(`ti:"${phrase}"`)}&start=0&max_results=5`;
  const xml = await (opts.queue ?? arxivQueue).run(() => fetchText(url, opts), { urgent: !!opts.urgent });
  return parseArxivAtom(xml, url).find((p) => normaliseTitle(p.title) === phrase)?.arxivId;
}

/**
 * The arXiv categories of papers by id (Hugging Face gives none): one API request per 100 ids, in
 * the polite queue. Ids arXiv does not return are left out.
 */
export async function fetchArxivCategories(ids: string[], opts: TitleLookupOptions): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    const url = `${opts.base.replace(/\/$/, '')}/api/query?id_list=${batch.map(encodeURIComponent).join(',')}&start=0&max_results=${batch.length}`;
    const xml = await (opts.queue ?? arxivQueue).run(() => fetchText(url, opts));
    for (const p of parseArxivAtom(xml, url)) if (p.categories?.length) out.set(p.id, p.categories);
  }
  return out;
}
