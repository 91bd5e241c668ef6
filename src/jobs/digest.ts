import type { App } from '../app.js';
import { ingestFrom } from './update.js';
import { daysBefore, selectTrending, type Digest } from '../digest/digest.js';
import type { Subscription } from '../digest/store.js';
import { fetchArxivCategories } from '../sources/arxiv.js';

export type DigestRequest = Pick<Subscription, 'source' | 'count'> & Partial<Pick<Subscription, 'channelId' | 'frequency' | 'filter'>>;

/**
 * The post a subscription would get on a day. For the `hf` source the day's papers are ingested
 * first (a weekly post: each of the seven days').
 */
export async function prepareDigest(app: App, sub: DigestRequest, day: string): Promise<Digest> {
  if (sub.source === 'hf') {
    const days = sub.frequency === 'weekly' ? Array.from({ length: 7 }, (_, i) => daysBefore(day, 6 - i)) : [day];
    for (const date of days) app.log.info(await ingestFrom(app, { source: 'hf', date }));
    if (sub.filter?.categories.length) await lookUpCategories(app, days);
  }
  return selectTrending(app.store, app.digests, {
    source: sub.source,
    day,
    count: sub.count,
    ...(sub.channelId ? { channelId: sub.channelId } : {}),
    ...(sub.frequency ? { frequency: sub.frequency } : {}),
    ...(sub.filter ? { filter: sub.filter } : {}),
  });
}

/**
 * A category filter needs the papers' arXiv categories, which Hugging Face does not give: those the
 * days' papers lack are asked of arXiv's API (one polite request per 100). Should arXiv not answer,
 * the papers stay without categories, and a filter that cannot tell keeps them.
 */
async function lookUpCategories(app: App, days: string[]): Promise<void> {
  const papers = (await Promise.all(days.map((d) => app.store.hfDay(d)))).flat();
  const ids = papers.filter((p) => !p.categories?.length && p.arxivId).map((p) => p.arxivId!);
  if (ids.length === 0) return;
  try {
    const found = await fetchArxivCategories(ids, { base: app.config.ARXIV_API_BASE, timeoutMs: app.config.SOURCE_TIMEOUT_MS });
    const byPaper = new Map(papers.flatMap((p) => (p.arxivId && found.has(p.arxivId) ? [[p.id, found.get(p.arxivId)!] as const] : [])));
    await app.store.setCategories(byPaper);
  } catch (err) {
    app.log.warn({ err: (err as Error).message, papers: ids.length }, 'arXiv categories not looked up; the category filter keeps those papers');
  }
}
