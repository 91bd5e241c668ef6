import type { Db } from '../db/db.js';

export interface Subscription {
  channelId: string;
  guildId: string | null;
  /** Local time of the post, HH:MM. */
  time: string;
  timezone: string;
  count: number;
  source: 'seed' | 'hf';
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

  async upsertSubscription(s: Omit<Subscription, 'enabled' | 'disabledReason' | 'createdAt'>, now: Date): Promise<Subscription> {
    await this.db.run(
      `INSERT INTO digest_subscriptions (channel_id, guild_id, time, timezone, count, source, enabled, disabled_reason, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?)
       ON CONFLICT(channel_id) DO UPDATE SET guild_id = excluded.guild_id, time = excluded.time, timezone = excluded.timezone,
         count = excluded.count, source = excluded.source, enabled = 1, disabled_reason = NULL, created_at = excluded.created_at`,
      [s.channelId, s.guildId, s.time, s.timezone, s.count, s.source, now.toISOString()],
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
  enabled: r.enabled === 1,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
});
