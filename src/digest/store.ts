import type Database from 'better-sqlite3';

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
 * Digest state in the library's SQLite database: subscriptions (they survive restarts), one row per
 * (channel, day) written *before* sending (so a post is never sent twice, even if the process dies
 * right after sending), and which papers each channel has seen.
 */
export class DigestStore {
  constructor(private readonly db: Database.Database) {
    // Its tables come from the database's migrations (library/migrations.ts), applied when it was opened.
  }

  upsertSubscription(s: Omit<Subscription, 'enabled' | 'disabledReason' | 'createdAt'>, now: Date): Subscription {
    this.db
      .prepare(`INSERT INTO digest_subscriptions (channel_id, guild_id, time, timezone, count, source, enabled, disabled_reason, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?)
                ON CONFLICT(channel_id) DO UPDATE SET guild_id = excluded.guild_id, time = excluded.time, timezone = excluded.timezone,
                  count = excluded.count, source = excluded.source, enabled = 1, disabled_reason = NULL, created_at = excluded.created_at`)
      .run(s.channelId, s.guildId, s.time, s.timezone, s.count, s.source, now.toISOString());
    return this.subscription(s.channelId)!;
  }

  subscription(channelId: string): Subscription | undefined {
    const r = this.db.prepare('SELECT * FROM digest_subscriptions WHERE channel_id = ?').get(channelId) as SubRow | undefined;
    return r && fromRow(r);
  }

  subscriptions(filter: { guildId?: string; enabledOnly?: boolean } = {}): Subscription[] {
    return (this.db.prepare('SELECT * FROM digest_subscriptions ORDER BY created_at').all() as SubRow[])
      .map(fromRow)
      .filter((s) => (filter.guildId === undefined || s.guildId === filter.guildId) && (!filter.enabledOnly || s.enabled));
  }

  remove(channelId: string): boolean {
    return this.db.prepare('DELETE FROM digest_subscriptions WHERE channel_id = ?').run(channelId).changes > 0;
  }

  disable(channelId: string, reason: string): void {
    this.db.prepare('UPDATE digest_subscriptions SET enabled = 0, disabled_reason = ? WHERE channel_id = ?').run(reason, channelId);
  }

  /** Claims (channel, day) for posting; false if it was claimed, sent or skipped before. Atomic. */
  claim(channelId: string, day: string, status: PostStatus, now: Date, paperIds: string[] = [], note?: string): boolean {
    return this.db.transaction(() => {
      const r = this.db
        .prepare('INSERT OR IGNORE INTO digest_posts (channel_id, day, status, at, paper_ids, note) VALUES (?, ?, ?, ?, ?, ?)')
        .run(channelId, day, status, now.toISOString(), JSON.stringify(paperIds), note ?? null);
      if (r.changes === 0) return false;
      const seen = this.db.prepare('INSERT OR IGNORE INTO digest_seen (channel_id, paper_id, day) VALUES (?, ?, ?)');
      for (const id of paperIds) seen.run(channelId, id, day);
      return true;
    })();
  }

  setStatus(channelId: string, day: string, status: PostStatus, note?: string): void {
    this.db.prepare('UPDATE digest_posts SET status = ?, note = ? WHERE channel_id = ? AND day = ?').run(status, note ?? null, channelId, day);
  }

  post(channelId: string, day: string): { status: PostStatus; at: string; paperIds: string[]; note: string | null } | undefined {
    const r = this.db.prepare('SELECT * FROM digest_posts WHERE channel_id = ? AND day = ?').get(channelId, day) as
      | { status: PostStatus; at: string; paper_ids: string; note: string | null }
      | undefined;
    return r && { status: r.status, at: r.at, paperIds: JSON.parse(r.paper_ids) as string[], note: r.note };
  }

  lastPost(channelId: string): { day: string; status: PostStatus; at: string } | undefined {
    return this.db.prepare('SELECT day, status, at FROM digest_posts WHERE channel_id = ? ORDER BY day DESC LIMIT 1').get(channelId) as
      | { day: string; status: PostStatus; at: string }
      | undefined;
  }

  seen(channelId: string): Set<string> {
    return new Set((this.db.prepare('SELECT paper_id FROM digest_seen WHERE channel_id = ?').all(channelId) as { paper_id: string }[]).map((r) => r.paper_id));
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
