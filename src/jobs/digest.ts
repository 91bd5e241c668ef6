import type { App } from '../app.js';
import { ingestFrom } from './update.js';
import { selectTrending, type Digest } from '../digest/digest.js';
import type { Subscription } from '../digest/store.js';

/** The digest a subscription would get on a day; for the `hf` source, the day's papers are ingested first. */
export async function prepareDigest(app: App, sub: Pick<Subscription, 'source' | 'count'> & { channelId?: string }, day: string): Promise<Digest> {
  if (sub.source === 'hf') {
    const summary = await ingestFrom(app, { source: 'hf', date: day });
    app.log.info(summary);
  }
  return selectTrending(app.store, app.digests, { source: sub.source, day, count: sub.count, ...(sub.channelId ? { channelId: sub.channelId } : {}) });
}
