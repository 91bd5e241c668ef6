import { createHash } from 'node:crypto';
import { clip } from '../util.js';
import { codeLink } from '../paper/paper.js';
import { splitSentences } from '../retrieval/text.js';
import type { StoredPaper } from '../library/store.js';
import type { PaperStore } from '../library/store.js';
import type { DigestStore } from './store.js';

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

/**
 * The day's trending papers for a channel. `hf`: the day's papers by upvotes. `seed` (offline): the
 * next papers of the page not yet posted to this channel, in page order — a channel never sees a
 * paper twice.
 */
export async function selectTrending(
  papers: PaperStore,
  digests: DigestStore,
  opts: { source: 'seed' | 'hf'; day: string; channelId?: string; count: number },
): Promise<Digest> {
  const count = Math.min(Math.max(1, opts.count), MAX_DIGEST_PAPERS);
  const seen = opts.channelId ? await digests.seen(opts.channelId) : new Set<string>();
  const pool =
    opts.source === 'hf'
      ? await papers.hfDay(opts.day)
      : (await papers.all()).filter((p) => p.source === 'seed').sort((a, b) => (a.sourceOrder ?? 0) - (b.sourceOrder ?? 0));
  return {
    header: digestHeader(opts.day),
    papers: pool
      .filter((p) => !seen.has(p.id))
      .slice(0, count)
      .map(toDigestPaper),
  };
}

/** The post a claim was made for: the claimed papers, in the claimed order (a retried send posts what was claimed). */
export async function claimedDigest(papers: PaperStore, day: string, paperIds: string[]): Promise<Digest> {
  const byId = new Map((await papers.getMany(paperIds)).map((p) => [p.id, p]));
  return { header: digestHeader(day), papers: paperIds.flatMap((id) => (byId.has(id) ? [toDigestPaper(byId.get(id)!)] : [])) };
}

/**
 * Discord's message nonce for a post (at most 25 characters): the same for every try of one
 * (channel, day, message), so with `enforce_nonce` a retried send that had reached Discord is not
 * posted twice.
 */
export function postNonce(channelId: string, day: string, message: number): string {
  return `${createHash('sha256').update(`${channelId}:${day}`).digest('hex').slice(0, 21)}-${message}`;
}
