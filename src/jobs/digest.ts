import type { App } from '../app.js';
import { ingestFrom } from './update.js';
import { daysBefore, selectTrending, type Digest } from '../digest/digest.js';
import type { Subscription } from '../digest/store.js';

export type DigestRequest = Pick<Subscription, 'source' | 'count'> & Partial<Pick<Subscription, 'channelId' | 'frequency' | 'filter'>>;

/**
 * The post a subscription would get on a day. For the `hf` source the day's papers are ingested
 * first (a weekly post: each of the seven days').
 */
export async function prepareDigest(app: App, sub: DigestRequest, day: string): Promise<Digest> {
  if (sub.source === 'hf') {
    const days = sub.frequency === 'weekly' ? Array.from({ length: 7 }, (_, i) => daysBefore(day, 6 - i)) : [day];
    for (const date of days) app.log.info(await ingestFrom(app, { source: 'hf', date }));
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
