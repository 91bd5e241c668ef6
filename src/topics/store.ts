import type { Db } from '../db/db.js';

export interface Topic {
  id: number;
  userId: string;
  topic: string;
  /** Words or phrases: a paper that mentions one is not sent for this topic. */
  exclude: string[];
  createdAt: string;
}

export interface PendingMatch {
  userId: string;
  paperId: string;
  topic: string;
}

export const MAX_TOPICS_PER_USER = 10;

/**
 * Topic subscriptions: a user's topics, matches waiting to be sent, the day each user was last
 * sent a DM (at most one a day), and users whose DMs are closed (paused, not retried every day).
 */
export class TopicStore {
  constructor(private readonly db: Db) {
    // Its tables come from the database's migrations (db/migrations.ts), applied when it was opened.
  }

  async add(userId: string, topic: string, now: Date, exclude: string[] = []): Promise<{ ok: true; topic: Topic } | { ok: false; reason: string }> {
    if ((await this.list(userId)).length >= MAX_TOPICS_PER_USER)
      return { ok: false, reason: `You already follow ${MAX_TOPICS_PER_USER} topics; remove one with /subscriptions first.` };
    const r = await this.db.get<{ id: number }>(
      'INSERT INTO topics (user_id, topic, created_at, exclude) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id',
      [userId, topic, now.toISOString(), exclude.length ? JSON.stringify(exclude) : null],
    );
    if (!r) return { ok: false, reason: `You already follow "${topic}".` };
    // Subscribing again after closed DMs: try again.
    await this.db.run('INSERT INTO topic_users (user_id) VALUES (?) ON CONFLICT(user_id) DO UPDATE SET dms_closed = 0', [userId]);
    return { ok: true, topic: { id: Number(r.id), userId, topic, exclude, createdAt: now.toISOString() } };
  }

  async list(userId: string): Promise<Topic[]> {
    return (await this.db.all<TopicRow>('SELECT id, user_id, topic, exclude, created_at FROM topics WHERE user_id = ? ORDER BY id', [userId])).map(fromRow);
  }

  async all(): Promise<Topic[]> {
    return (
      await this.db.all<TopicRow>(
        'SELECT t.id, t.user_id, t.topic, t.exclude, t.created_at FROM topics t LEFT JOIN topic_users u ON u.user_id = t.user_id WHERE coalesce(u.dms_closed, 0) = 0 ORDER BY t.id',
      )
    ).map(fromRow);
  }

  async remove(userId: string, id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM topics WHERE user_id = ? AND id = ?', [userId, id])) > 0;
  }

  /** Records matches (a paper is offered to a user once, whatever topic matched it). */
  async addMatches(matches: PendingMatch[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      let n = 0;
      for (const m of matches)
        n += await tx.run('INSERT INTO topic_matches (user_id, paper_id, topic) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [m.userId, m.paperId, m.topic]);
      return n;
    });
  }

  /** Users with unsent matches who were not sent a DM on `day` and whose DMs are open. */
  async due(day: string): Promise<{ userId: string; matches: PendingMatch[] }[]> {
    const order = this.db.dialect === 'sqlite' ? 'm.rowid' : 'm.seq';
    const rows = await this.db.all<{ user_id: string; paper_id: string; topic: string }>(
      `SELECT m.user_id, m.paper_id, m.topic FROM topic_matches m LEFT JOIN topic_users u ON u.user_id = m.user_id
       WHERE m.sent_day IS NULL AND coalesce(u.dms_closed, 0) = 0 AND coalesce(u.last_dm_day, '') <> ? ORDER BY m.user_id, ${order}`,
      [day],
    );
    const by = new Map<string, PendingMatch[]>();
    for (const r of rows) by.set(r.user_id, [...(by.get(r.user_id) ?? []), { userId: r.user_id, paperId: r.paper_id, topic: r.topic }]);
    return [...by].map(([userId, matches]) => ({ userId, matches }));
  }

  /** Marks the day's DM as sent before sending (at most one a day, even across a crash or another process). */
  async claimDay(userId: string, day: string, paperIds: string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // Insert-or-update only when the day differs: the row lock makes a second process's claim return 0.
      const n = await tx.run(
        `INSERT INTO topic_users (user_id, last_dm_day) VALUES (?, ?)
         ON CONFLICT(user_id) DO UPDATE SET last_dm_day = excluded.last_dm_day WHERE coalesce(topic_users.last_dm_day, '') <> excluded.last_dm_day`,
        [userId, day],
      );
      if (n === 0) return false;
      for (const id of paperIds) await tx.run('UPDATE topic_matches SET sent_day = ? WHERE user_id = ? AND paper_id = ?', [day, userId, id]);
      return true;
    });
  }

  async closeDms(userId: string): Promise<void> {
    await this.db.run('INSERT INTO topic_users (user_id, dms_closed) VALUES (?, 1) ON CONFLICT(user_id) DO UPDATE SET dms_closed = 1', [userId]);
  }

  async dmsClosed(userId: string): Promise<boolean> {
    return ((await this.db.get<{ dms_closed: number }>('SELECT dms_closed FROM topic_users WHERE user_id = ?', [userId]))?.dms_closed ?? 0) === 1;
  }
}

interface TopicRow {
  id: number;
  user_id: string;
  topic: string;
  exclude: string | null;
  created_at: string;
}

const fromRow = (r: TopicRow): Topic => ({
  id: Number(r.id),
  userId: r.user_id,
  topic: r.topic,
  exclude: r.exclude ? (JSON.parse(r.exclude) as string[]) : [],
  createdAt: r.created_at,
});
