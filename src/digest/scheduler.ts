import { Cron } from 'croner';
import type { Logger } from '../log.js';
import type { Digest } from './digest.js';
import type { DigestStore, Subscription } from './store.js';

/** A post missed while the bot was down is still sent if at most this late. */
export const CATCH_UP_MS = 6 * 60 * 60 * 1000;

/**
 * A claim older than this and never marked sent is taken over. A send takes seconds; this stays
 * within the few minutes Discord keeps a nonce, so a send that did reach Discord is not repeated.
 */
export const STALE_CLAIM_MS = 60_000;

/** A message of a sent post and the paper it shows (its reactions count for that paper). */
export interface SentMessage {
  messageId: string;
  paperId: string;
}

/** Why a post could not be delivered and the subscription must stop (deleted channel, lost permission). */
export class ChannelGone extends Error {}

export interface SchedulerDeps {
  digests: DigestStore;
  /** Builds the digest of a subscription for a day (may ingest the day's papers first). */
  prepare(sub: Subscription, day: string): Promise<Digest>;
  /** The digest of a claim being sent again: its claimed papers (default: prepare). */
  rebuild?(sub: Subscription, day: string, paperIds: string[]): Promise<Digest>;
  /** Sends it (the same day's tries must not post twice: Discord's nonce); throws ChannelGone when the channel cannot take posts any more. */
  send(sub: Subscription, digest: Digest, day: string): Promise<void>;
  /** A claim not marked sent after this long was left by a process that died: it is sent again. */
  staleClaimMs?: number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => Date;
  /** Several processes: only the leader's ticks post (default: this process always does). */
  isLeader?: () => boolean;
}

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(instant: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** Is this an IANA time zone name the runtime knows? */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}

export function parseTime(hhmm: string): { h: number; m: number } | undefined {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
  return m ? { h: Number(m[1]), m: Number(m[2]) } : undefined;
}

/** The latest scheduled instant at or before `now` (croner computes it in the subscription's zone, DST included), daily or weekly. */
export function lastSlot(sub: Pick<Subscription, 'time' | 'timezone'> & Partial<Pick<Subscription, 'frequency' | 'weekday'>>, now: Date): Date | undefined {
  const t = parseTime(sub.time);
  if (!t) return undefined;
  // A weekly post: one slot a week, on its weekday (0 = Sunday); its day is that slot's local day.
  const dow = sub.frequency === 'weekly' ? String(sub.weekday ?? 1) : '*';
  const cron = new Cron(`${t.m} ${t.h} * * ${dow}`, { timezone: sub.timezone, paused: true });
  // croner works in whole seconds, so look a second ahead (a slot at exactly `now` counts) — but
  // never return a slot still in the future: a post never goes out before its time.
  return cron.previousRuns(2, new Date(now.getTime() + 1000)).find((slot) => slot.getTime() <= now.getTime());
}

/**
 * Daily (and weekly) posts. `runDue(now)` posts every subscription whose local time has come today and was not
 * posted yet — exactly once per (channel, day): claimed in the database before sending, a claim
 * left by a process that died is sent again by whoever leads, under the same Discord nonce — and sends a
 * post missed while down if it is at most 6 hours late (older ones are skipped and logged). `start()`
 * runs it at start and then every minute with croner.
 */
export class DigestScheduler {
  private job?: Cron;
  private running = false;
  private readonly now: () => Date;

  constructor(private readonly d: SchedulerDeps) {
    this.now = d.now ?? (() => new Date());
  }

  start(): void {
    this.tick();
    this.job = new Cron('* * * * *', { protect: true }, () => this.tick());
  }

  /** One scheduled run, when this process is the leader; failures (database down) are logged and retried next minute. */
  tick(): void {
    if (this.d.isLeader && !this.d.isLeader()) return;
    this.runDue().catch((err: Error) => this.d.log.error({ err: err.message }, 'daily posts could not run; will retry next minute'));
  }

  stop(): void {
    this.job?.stop();
  }

  async runDue(now = this.now()): Promise<{ posted: string[]; skipped: string[] }> {
    const out = { posted: [] as string[], skipped: [] as string[] };
    if (this.running) return out;
    this.running = true;
    try {
      for (const sub of await this.d.digests.subscriptions({ enabledOnly: true })) {
        const slot = lastSlot(sub, now);
        // Only slots after the subscription was made count (subscribing at 10:00 for 09:00 starts tomorrow).
        if (!slot || slot.getTime() < Date.parse(sub.createdAt)) continue;
        const day = localDay(slot, sub.timezone);
        const post = await this.d.digests.post(sub.channelId, day);
        if (post) {
          // Done, or being sent right now; or claimed by a process that died before sending: again.
          if (post.status !== 'claimed' || now.getTime() - Date.parse(post.at) < (this.d.staleClaimMs ?? STALE_CLAIM_MS)) continue;
          if (await this.resend(sub, day, post.paperIds, now)) out.posted.push(`${sub.channelId}/${day}`);
          continue;
        }
        const late = now.getTime() - slot.getTime();
        if (late > CATCH_UP_MS) {
          await this.d.digests.claim(sub.channelId, day, 'skipped', now, [], `missed by ${Math.round(late / 60000)} min (bot was down)`);
          this.d.log.warn({ channel: sub.channelId, day, lateMinutes: Math.round(late / 60000) }, 'daily post missed by more than 6 hours; skipped');
          out.skipped.push(`${sub.channelId}/${day}`);
          continue;
        }
        await this.postOne(sub, day, now);
        out.posted.push(`${sub.channelId}/${day}`);
      }
    } finally {
      this.running = false;
    }
    return out;
  }

  private async postOne(sub: Subscription, day: string, now: Date): Promise<void> {
    let digest: Digest;
    try {
      digest = await this.d.prepare(sub, day);
    } catch (err) {
      this.d.log.error({ channel: sub.channelId, day, err: (err as Error).message }, 'could not prepare the daily post; will retry next minute');
      return;
    }
    if (
      !(await this.d.digests.claim(
        sub.channelId,
        day,
        'claimed',
        now,
        digest.papers.map((p) => p.id),
      ))
    )
      return; // another run got it
    await this.deliver(sub, day, digest);
  }

  /** Takes over a stale claim and sends what it claimed; false if another process took it first. */
  private async resend(sub: Subscription, day: string, paperIds: string[], now: Date): Promise<boolean> {
    const stale = new Date(now.getTime() - (this.d.staleClaimMs ?? STALE_CLAIM_MS));
    if (!(await this.d.digests.reclaim(sub.channelId, day, stale, now))) return false;
    this.d.log.warn({ channel: sub.channelId, day }, 'a claimed daily post was never marked sent (its process died); sending it again');
    const digest = this.d.rebuild ? await this.d.rebuild(sub, day, paperIds) : await this.d.prepare(sub, day);
    await this.deliver(sub, day, digest);
    return true;
  }

  /** Sends a claimed post and records how it went. */
  private async deliver(sub: Subscription, day: string, digest: Digest): Promise<void> {
    try {
      if (digest.papers.length === 0) {
        await this.d.digests.setStatus(sub.channelId, day, 'skipped', 'no new papers');
        this.d.log.info({ channel: sub.channelId, day }, 'no new papers to post today');
        return;
      }
      await this.d.send(sub, digest, day);
      await this.d.digests.setStatus(sub.channelId, day, 'sent');
      this.d.log.info({ channel: sub.channelId, day, papers: digest.papers.length }, 'daily post sent');
    } catch (err) {
      const reason = (err as Error).message;
      await this.d.digests.setStatus(sub.channelId, day, 'failed', reason);
      if (err instanceof ChannelGone) {
        await this.d.digests.disable(sub.channelId, reason);
        this.d.log.warn({ channel: sub.channelId, reason }, 'daily posts disabled for this channel');
      } else {
        this.d.log.error({ channel: sub.channelId, day, err: reason }, 'daily post failed');
      }
    }
  }
}
