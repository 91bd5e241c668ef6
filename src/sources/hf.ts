import { oneLine } from '../util.js';
import { z } from 'zod';
import { extractLinks, type Paper } from '../paper/paper.js';
import { SourceError, fetchText, type FetchOptions } from './http.js';

const ARXIV_ID = /^\d{4}\.\d{4,5}$/;

/** One item of GET /api/daily_papers (older responses lack the newer fields). */
const itemSchema = z.object({
  paper: z.object({
    id: z.string(),
    title: z.string().min(1),
    summary: z.string().min(1),
    upvotes: z.number().int().optional(),
    authors: z.array(z.object({ name: z.string() })).nullish(),
    githubRepo: z.string().nullish(),
    projectPage: z.string().nullish(),
    ai_summary: z.string().nullish(),
    publishedAt: z.string().optional(),
    submittedOnDailyAt: z.string().optional(),
  }),
  numComments: z.number().optional(),
  publishedAt: z.string().optional(),
  thumbnail: z.string().nullish(),
});

/**
 * Parses a daily_papers response. A body that is not a JSON array is an error (a bad answer never
 * replaces good papers); single malformed items are skipped and counted.
 */
export function parseHfDaily(body: string, where = 'daily_papers'): { papers: Paper[]; skipped: number } {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new SourceError(`${where}: not JSON (${body.trimStart().startsWith('<') ? 'an HTML page' : 'truncated or malformed'})`);
  }
  if (!Array.isArray(data)) throw new SourceError(`${where}: expected a JSON array of papers`);
  const papers: Paper[] = [];
  let skipped = 0;
  for (const raw of data) {
    const r = itemSchema.safeParse(raw);
    if (!r.success) {
      skipped++;
      continue;
    }
    const p = r.data.paper;
    const id = p.id.trim();
    const links = [p.githubRepo, p.projectPage, ...extractLinks(p.summary)].filter((l): l is string => !!l && /^https?:\/\//.test(l));
    const paper: Paper = {
      id,
      title: oneLine(p.title),
      abstract: oneLine(p.summary),
      url: `https://huggingface.co/papers/${id}`,
      links: [...new Set(links)],
      source: 'hf',
      ...(ARXIV_ID.test(id) ? { arxivId: id } : {}),
      ...(p.upvotes !== undefined ? { upvotes: p.upvotes } : {}),
      ...(p.ai_summary ? { aiSummary: oneLine(p.ai_summary) } : {}),
      ...(r.data.thumbnail && /^https:\/\//.test(r.data.thumbnail) ? { thumbnail: r.data.thumbnail } : {}),
      ...(p.authors?.length ? { authors: p.authors.map((a) => oneLine(a.name)).filter(Boolean) } : {}),
    };
    const at = p.submittedOnDailyAt ?? r.data.publishedAt ?? p.publishedAt;
    if (at) paper.publishedAt = at;
    papers.push(paper);
  }
  for (const [i, p] of papers.entries()) p.sourceOrder = i;
  return { papers, skipped };
}

/** The Hugging Face daily papers of one day (YYYY-MM-DD), all pages. */
export async function fetchHfDaily(date: string, base: string, opts: FetchOptions = {}): Promise<{ papers: Paper[]; skipped: number }> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) throw new SourceError(`invalid date "${date}": expected YYYY-MM-DD`);
  const all: Paper[] = [];
  let skipped = 0;
  const limit = 100;
  for (let page = 0; page < 10; page++) {
    const url = `${base.replace(/\/$/, '')}/api/daily_papers?date=${date}&limit=${limit}&p=${page}`;
    const r = parseHfDaily(await fetchText(url, opts), url);
    all.push(...r.papers);
    skipped += r.skipped;
    if (r.papers.length + r.skipped < limit) break;
  }
  for (const [i, p] of all.entries()) p.sourceOrder = i;
  return { papers: all, skipped };
}
