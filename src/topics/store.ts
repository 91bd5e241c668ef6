import type Database from 'better-sqlite3';

export interface Topic {
  id: number;
  userId: string;
  topic: string;
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
  constructor(private readonly db: Database.Database) {
    // Its tables come from the database's migrations (library/migrations.ts), applied when it was opened.
  }

  add(userId: string, topic: string, now: Date): { ok: true; topic: Topic } | { ok: false; reason: string } {
    if (this.list(userId).length >= MAX_TOPICS_PER_USER)
      return { ok: false, reason: `You already follow ${MAX_TOPICS_PER_USER} topics; remove one with /subscriptions first.` };
    const r = this.db.prepare('INSERT OR IGNORE INTO topics (user_id, topic, created_at) VALUES (?, ?, ?)').run(userId, topic, now.toISOString());
    if (r.changes === 0) return { ok: false, reason: `You already follow "${topic}".` };
    // Subscribing again after closed DMs: try again.
    this.db.prepare('INSERT INTO topic_users (user_id) VALUES (?) ON CONFLICT(user_id) DO UPDATE SET dms_closed = 0').run(userId);
    return { ok: true, topic: { id: Number(r.lastInsertRowid), userId, topic, createdAt: now.toISOString() } };
  }

  list(userId: string): Topic[] {
    return (
      this.db.prepare('SELECT id, user_id, topic, created_at FROM topics WHERE user_id = ? ORDER BY id').all(userId) as {
        id: number;
        user_id: string;
        topic: string;
        created_at: string;
      }[]
    ).map((r) => ({ id: r.id, userId: r.user_id, topic: r.topic, createdAt: r.created_at }));
  }

  all(): Topic[] {
    return (
      this.db
        .prepare(
          'SELECT t.id, t.user_id, t.topic, t.created_at FROM topics t LEFT JOIN topic_users u ON u.user_id = t.user_id WHERE coalesce(u.dms_closed, 0) = 0',
        )
        .all() as {
        id: number;
        user_id: string;
        topic: string;
        created_at: string;
      }[]
    ).map((r) => ({ id: r.id, userId: r.user_id, topic: r.topic, createdAt: r.created_at }));
  }

  remove(userId: string, id: number): boolean {
    return this.db.prepare('DELETE FROM topics WHERE user_id = ? AND id = ?').run(userId, id).changes > 0;
  }

  /** Records matches (a paper is offered to a user once, whatever topic matched it). */
  addMatches(matches: PendingMatch[]): number {
    const ins = this.db.prepare('INSERT OR IGNORE INTO topic_matches (user_id, paper_id, topic) VALUES (?, ?, ?)');
    return this.db.transaction(() => matches.reduce((n, m) => n + ins.run(m.userId, m.paperId, m.topic).changes, 0))();
  }

  /** Users with unsent matches who were not sent a DM on `day` and whose DMs are open. */
  due(day: string): { userId: string; matches: PendingMatch[] }[] {
    const rows = this.db
      .prepare(`SELECT m.user_id, m.paper_id, m.topic FROM topic_matches m LEFT JOIN topic_users u ON u.user_id = m.user_id
                WHERE m.sent_day IS NULL AND coalesce(u.dms_closed, 0) = 0 AND coalesce(u.last_dm_day, '') <> ? ORDER BY m.user_id, m.rowid`)
      .all(day) as { user_id: string; paper_id: string; topic: string }[];
    const by = new Map<string, PendingMatch[]>();
    for (const r of rows) by.set(r.user_id, [...(by.get(r.user_id) ?? []), { userId: r.user_id, paperId: r.paper_id, topic: r.topic }]);
    return [...by].map(([userId, matches]) => ({ userId, matches }));
  }

  /** Marks the day's DM as sent before sending (at most one a day, even across a crash). */
  claimDay(userId: string, day: string, paperIds: string[]): boolean {
    return this.db.transaction(() => {
      const u = this.db.prepare('SELECT last_dm_day FROM topic_users WHERE user_id = ?').get(userId) as { last_dm_day: string | null } | undefined;
      if (u?.last_dm_day === day) return false;
      this.db
        .prepare('INSERT INTO topic_users (user_id, last_dm_day) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET last_dm_day = excluded.last_dm_day')
        .run(userId, day);
      const mark = this.db.prepare('UPDATE topic_matches SET sent_day = ? WHERE user_id = ? AND paper_id = ?');
      for (const id of paperIds) mark.run(day, userId, id);
      return true;
    })();
  }

  closeDms(userId: string): void {
    this.db.prepare('INSERT INTO topic_users (user_id, dms_closed) VALUES (?, 1) ON CONFLICT(user_id) DO UPDATE SET dms_closed = 1').run(userId);
  }

  dmsClosed(userId: string): boolean {
    return ((this.db.prepare('SELECT dms_closed FROM topic_users WHERE user_id = ?').get(userId) as { dms_closed: number } | undefined)?.dms_closed ?? 0) === 1;
  }
}
