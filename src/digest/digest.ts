import { createHash } from 'node:crypto';
import { clip } from '../util.js';
import { codeLink } from '../paper/paper.js';
import { splitSentences } from '../retrieval/text.js';
import type { StoredPaper } from '../library/store.js';
import type { PaperStore } from '../library/store.js';
import type { DigestStore, Frequency } from './store.js';
import { NO_FILTER, excludedBy, type PaperFilter } from '../paper/filters.js';

export interface DigestPaper {
  id: string;
  title: string;
  summary: string;
  url: string;
  upvotes?: number;
  code?: string;
  thumbnail?: string;
}

export interface Digest {
  header: string;
  papers: DigestPaper[];
}

export const MAX_DIGEST_PAPERS = 10;

/** "Trending papers — 26 Nov 2026" for a YYYY-MM-DD day. */
export function digestHeader(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  return `Trending papers — ${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })}`;
}

/** The day `n` days before a YYYY-MM-DD day. */
export function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/** "Top papers of the week — 24 Nov – 30 Nov 2026": the seven days ending on a YYYY-MM-DD day. */
export function weekHeader(day: string): string {
  const f = (d: string, year: boolean) =>
    new Date(`${d}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(year ? { year: 'numeric' } : {}), timeZone: 'UTC' });
  return `Top papers of the week — ${f(daysBefore(day, 6), false)} – ${f(day, true)}`;
}

/** How many Hugging Face upvotes one 👍 of the channel's own (minus one 👎) weighs in its weekly post. */
export const REACTION_WEIGHT = 10;

/** The source's own one-line summary when it has one, else the abstract's opening one or two sentences. */
export function summarise(p: Pick<StoredPaper, 'abstract' | 'aiSummary'>, max = 350): string {
  if (p.aiSummary) return p.aiSummary;
  const [first = '', second] = splitSentences(p.abstract);
  const two = second && first.length + second.length + 1 <= max ? `${first} ${second}` : first;
  return clip(two, max);
}

export function toDigestPaper(p: StoredPaper): DigestPaper {
  const out = { id: p.id, title: p.title, summary: summarise(p) } as DigestPaper;
  // Every post links somewhere: the paper's page, else its first link, else an arXiv title search.
  out.url =
    p.url ??
    (p.arxivId ? `https://arxiv.org/abs/${p.arxivId}` : p.links[0]) ??
    `https://arxiv.org/search/?searchtype=title&query=${encodeURIComponent(p.title)}`;
  if (p.upvotes !== undefined) out.upvotes = p.upvotes;
  const code = codeLink(p);
  if (code) out.code = code;
  if (p.thumbnail) out.thumbnail = p.thumbnail;
  return out;
}

export interface TrendingOptions {
  source: 'seed' | 'hf';
  day: string;
  channelId?: string;
  count: number;
  frequency?: Frequency;
  filter?: PaperFilter;
}

/**
 * The papers a channel gets on a day. `hf` daily: the day's papers by upvotes, none the channel
 * was sent before. `hf` weekly: the seven days' papers by upvotes plus the channel's own reactions
 * on its posts (REACTION_WEIGHT each), a recap (papers posted before may return). `seed` (offline):
 * the next papers of the page not yet posted to this channel, in page order. The channel's filter
 * leaves papers out first.
 */
export async function selectTrending(papers: PaperStore, digests: DigestStore, opts: TrendingOptions): Promise<Digest> {
  const count = Math.min(Math.max(1, opts.count), MAX_DIGEST_PAPERS);
  const weekly = opts.frequency === 'weekly';
  const filter = opts.filter ?? NO_FILTER;
  let pool: StoredPaper[];
  if (opts.source === 'hf' && weekly) pool = await weekOf(papers, digests, opts.day, opts.channelId);
  else {
    const seen = opts.channelId ? await digests.seen(opts.channelId) : new Set<string>();
    const all =
      opts.source === 'hf'
        ? await papers.hfDay(opts.day)
        : (await papers.all()).filter((p) => p.source === 'seed').sort((a, b) => (a.sourceOrder ?? 0) - (b.sourceOrder ?? 0));
    pool = all.filter((p) => !seen.has(p.id));
  }
  return {
    header: weekly ? weekHeader(opts.day) : digestHeader(opts.day),
    papers: pool
      .filter((p) => !excludedBy(p, filter))
      .slice(0, count)
      .map(toDigestPaper),
  };
}

/** The week's Hugging Face papers (the seven days ending on `day`), by upvotes plus the channel's reactions. */
async function weekOf(papers: PaperStore, digests: DigestStore, day: string, channelId?: string): Promise<StoredPaper[]> {
  const days = Array.from({ length: 7 }, (_, i) => daysBefore(day, i));
  const byId = new Map((await Promise.all(days.map((d) => papers.hfDay(d)))).flat().map((p) => [p.id, p]));
  const liked = new Map(channelId ? (await digests.reactions(channelId, days.at(-1)!, 1000)).map((r) => [r.paperId, r.up - r.down]) : []);
  const score = (p: StoredPaper) => (p.upvotes ?? 0) + REACTION_WEIGHT * (liked.get(p.id) ?? 0);
  return [...byId.values()].sort((a, b) => score(b) - score(a) || a.id.localeCompare(b.id));
}

/** The post a claim was made for: the claimed papers, in the claimed order (a retried send posts what was claimed). */
export async function claimedDigest(papers: PaperStore, day: string, paperIds: string[], frequency: Frequency = 'daily'): Promise<Digest> {
  const byId = new Map((await papers.getMany(paperIds)).map((p) => [p.id, p]));
  return {
    header: frequency === 'weekly' ? weekHeader(day) : digestHeader(day),
    papers: paperIds.flatMap((id) => (byId.has(id) ? [toDigestPaper(byId.get(id)!)] : [])),
  };
}

/**
 * Discord's message nonce for a post (at most 25 characters): the same for every try of one
 * (channel, day, message), so with `enforce_nonce` a retried send that had reached Discord is not
 * posted twice.
 */
export function postNonce(channelId: string, day: string, message: number): string {
  return `${createHash('sha256').update(`${channelId}:${day}`).digest('hex').slice(0, 21)}-${message}`;
}
