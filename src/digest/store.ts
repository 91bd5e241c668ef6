import type { Db } from '../db/db.js';
import type { PaperFilter } from '../paper/filters.js';

export type Frequency = 'daily' | 'weekly';

export interface Subscription {
  channelId: string;
  guildId: string | null;
  /** Local time of the post, HH:MM. */
  time: string;
  timezone: string;
  count: number;
  source: 'seed' | 'hf';
  /** Daily, or weekly on `weekday` (0 = Sunday … 6 = Saturday, in the subscription's time zone). */
  frequency: Frequency;
  weekday: number;
  /** Papers left out of this channel's posts. */
  filter: PaperFilter;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
}

export type PostStatus = 'claimed' | 'sent' | 'skipped' | 'failed';

/**
 * Digest state in the library's database (SQLite file or the shared PostgreSQL): subscriptions
 * (they survive restarts), one row per (channel, day) written *before* sending (a claim left by a
 * process that died is taken over and sent again, under the same Discord nonce, so exactly once),
 * and which papers each channel has seen.
 */
export class DigestStore {
  constructor(private readonly db: Db) {
    // Its tables come from the database's migrations (db/migrations.ts), applied when it was opened.
  }

  async upsertSubscription(s: NewSubscription, now: Date): Promise<Subscription> {
    const f = s.filter ?? { exclude: [], categories: [] };
    await this.db.run(
      `INSERT INTO digest_subscriptions (channel_id, guild_id, time, timezone, count, source, frequency, weekday, exclude, categories, enabled, disabled_reason, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, ?)
       ON CONFLICT(channel_id) DO UPDATE SET guild_id = excluded.guild_id, time = excluded.time, timezone = excluded.timezone,
         count = excluded.count, source = excluded.source, frequency = excluded.frequency, weekday = excluded.weekday,
         exclude = excluded.exclude, categories = excluded.categories, enabled = 1, disabled_reason = NULL, created_at = excluded.created_at`,
      [
        s.channelId,
        s.guildId,
        s.time,
        s.timezone,
        s.count,
        s.source,
        s.frequency ?? 'daily',
        s.weekday ?? 1,
        jsonList(f.exclude),
        jsonList(f.categories),
        now.toISOString(),
      ],
    );
    return (await this.subscription(s.channelId))!;
  }

  async subscription(channelId: string): Promise<Subscription | undefined> {
    const r = await this.db.get<SubRow>('SELECT * FROM digest_subscriptions WHERE channel_id = ?', [channelId]);
    return r && fromRow(r);
  }

  async subscriptions(filter: { guildId?: string; enabledOnly?: boolean } = {}): Promise<Subscription[]> {
    return (await this.db.all<SubRow>('SELECT * FROM digest_subscriptions ORDER BY created_at, channel_id'))
      .map(fromRow)
      .filter((s) => (filter.guildId === undefined || s.guildId === filter.guildId) && (!filter.enabledOnly || s.enabled));
  }

  async remove(channelId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM digest_subscriptions WHERE channel_id = ?', [channelId])) > 0;
  }

  async disable(channelId: string, reason: string): Promise<void> {
    await this.db.run('UPDATE digest_subscriptions SET enabled = 0, disabled_reason = ? WHERE channel_id = ?', [reason, channelId]);
  }

  /**
   * Claims (channel, day) for posting; false if it was claimed, sent or skipped before. Atomic, and
   * across processes too: the row's primary key decides which one claims it.
   */
  async claim(channelId: string, day: string, status: PostStatus, now: Date, paperIds: string[] = [], note?: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const n = await tx.run('INSERT INTO digest_posts (channel_id, day, status, at, paper_ids, note) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        channelId,
        day,
        status,
        now.toISOString(),
        JSON.stringify(paperIds),
        note ?? null,
      ]);
      if (n === 0) return false;
      for (const id of paperIds)
        await tx.run('INSERT INTO digest_seen (channel_id, paper_id, day) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [channelId, id, day]);
      return true;
    });
  }

  /**
   * Takes over a post claimed before `staleBefore` and never marked sent (its process died between
   * claim and send): true for the one process whose update wins, which then sends it again.
   */
  async reclaim(channelId: string, day: string, staleBefore: Date, now: Date): Promise<boolean> {
    const n = await this.db.run("UPDATE digest_posts SET at = ? WHERE channel_id = ? AND day = ? AND status = 'claimed' AND at < ?", [
      now.toISOString(),
      channelId,
      day,
      staleBefore.toISOString(),
    ]);
    return n === 1;
  }

  async setStatus(channelId: string, day: string, status: PostStatus, note?: string): Promise<void> {
    await this.db.run('UPDATE digest_posts SET status = ?, note = ? WHERE channel_id = ? AND day = ?', [status, note ?? null, channelId, day]);
  }

  async post(channelId: string, day: string): Promise<{ status: PostStatus; at: string; paperIds: string[]; note: string | null } | undefined> {
    const r = await this.db.get<{ status: PostStatus; at: string; paper_ids: string; note: string | null }>(
      'SELECT * FROM digest_posts WHERE channel_id = ? AND day = ?',
      [channelId, day],
    );
    return r && { status: r.status, at: r.at, paperIds: JSON.parse(r.paper_ids) as string[], note: r.note };
  }

  async lastPost(channelId: string): Promise<{ day: string; status: PostStatus; at: string } | undefined> {
    return this.db.get('SELECT day, status, at FROM digest_posts WHERE channel_id = ? ORDER BY day DESC LIMIT 1', [channelId]);
  }

  /** The messages a post was sent as, one per paper (reactions on them count for that paper). */
  async recordMessages(channelId: string, day: string, sent: { messageId: string; paperId: string }[]): Promise<void> {
    for (const m of sent)
      await this.db.run('INSERT INTO digest_messages (message_id, channel_id, day, paper_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        m.messageId,
        channelId,
        day,
        m.paperId,
      ]);
  }

  /** The paper a message of a post shows, or undefined for any other message. */
  async messagePaper(messageId: string): Promise<{ channelId: string; day: string; paperId: string } | undefined> {
    const r = await this.db.get<{ channel_id: string; day: string; paper_id: string }>('SELECT * FROM digest_messages WHERE message_id = ?', [messageId]);
    return r && { channelId: r.channel_id, day: r.day, paperId: r.paper_id };
  }

  /**
   * Counts a 👍 (`up`) or 👎 (`down`) added (+1) or taken back (-1) on a post's paper: per channel
   * and paper, never below zero. No user is stored. False for a message that is not a post's.
   */
  async react(messageId: string, kind: 'up' | 'down', delta: 1 | -1): Promise<boolean> {
    const m = await this.messagePaper(messageId);
    if (!m) return false;
    await this.db.run(
      `INSERT INTO paper_reactions (channel_id, paper_id, day, up, down) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, paper_id) DO UPDATE SET ${kind} = CASE WHEN paper_reactions.${kind} + ? < 0 THEN 0 ELSE paper_reactions.${kind} + ? END`,
      [m.channelId, m.paperId, m.day, kind === 'up' && delta > 0 ? 1 : 0, kind === 'down' && delta > 0 ? 1 : 0, delta, delta],
    );
    return true;
  }

  /** A moderator removed a message's reactions (all, or every 👍 / 👎): its counts start again from zero. */
  async clearReactions(messageId: string, kind?: 'up' | 'down'): Promise<void> {
    const m = await this.messagePaper(messageId);
    if (!m) return;
    const set = kind ? `${kind} = 0` : 'up = 0, down = 0';
    await this.db.run(`UPDATE paper_reactions SET ${set} WHERE channel_id = ? AND paper_id = ?`, [m.channelId, m.paperId]);
  }

  /** A channel's reaction counts for papers posted on or after `sinceDay`, the most liked first (👍 − 👎, then 👍). */
  async reactions(channelId: string, sinceDay: string, limit = 10): Promise<{ paperId: string; day: string; up: number; down: number }[]> {
    const rows = await this.db.all<{ paper_id: string; day: string; up: number; down: number }>(
      `SELECT paper_id, day, up, down FROM paper_reactions WHERE channel_id = ? AND day >= ? AND up + down > 0
       ORDER BY up - down DESC, up DESC, day DESC, paper_id LIMIT ?`,
      [channelId, sinceDay, limit],
    );
    return rows.map((r) => ({ paperId: r.paper_id, day: r.day, up: Number(r.up), down: Number(r.down) }));
  }

  async seen(channelId: string): Promise<Set<string>> {
    return new Set((await this.db.all<{ paper_id: string }>('SELECT paper_id FROM digest_seen WHERE channel_id = ?', [channelId])).map((r) => r.paper_id));
  }
}

interface SubRow {
  channel_id: string;
  guild_id: string | null;
  time: string;
  timezone: string;
  count: number;
  source: 'seed' | 'hf';
  frequency: Frequency;
  weekday: number;
  exclude: string | null;
  categories: string | null;
  enabled: number;
  disabled_reason: string | null;
  created_at: string;
}

const fromRow = (r: SubRow): Subscription => ({
  channelId: r.channel_id,
  guildId: r.guild_id,
  time: r.time,
  timezone: r.timezone,
  count: r.count,
  source: r.source,
  frequency: r.frequency === 'weekly' ? 'weekly' : 'daily',
  weekday: Number(r.weekday),
  filter: { exclude: parseList(r.exclude), categories: parseList(r.categories) },
  enabled: r.enabled === 1,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
});

/** What subscribing sets: frequency (daily), weekday (Monday) and filter (none) have defaults. */
export type NewSubscription = Omit<Subscription, 'enabled' | 'disabledReason' | 'createdAt' | 'frequency' | 'weekday' | 'filter'> &
  Partial<Pick<Subscription, 'frequency' | 'weekday' | 'filter'>>;

const jsonList = (items: string[]) => (items.length ? JSON.stringify(items) : null);
const parseList = (json: string | null): string[] => (json ? (JSON.parse(json) as string[]) : []);
