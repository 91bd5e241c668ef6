import type { Db } from '../db/db.js';

/** A user's reading list holds at most this many papers (an export stays one file). */
export const MAX_SAVED = 2000;

/** Each user's reading list: papers saved from a card, across servers and DMs (migration 12; either database). */
export class SavedStore {
  constructor(private readonly db: Db) {}

  /** 'saved', 'already' (it was on the list), or 'full' (MAX_SAVED reached). */
  async save(userId: string, paperId: string, now = new Date()): Promise<'saved' | 'already' | 'full'> {
    if ((await this.count(userId)) >= MAX_SAVED) return (await this.has(userId, paperId)) ? 'already' : 'full';
    const added = await this.db.run('INSERT INTO saved_papers (user_id, paper_id, saved_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      userId,
      paperId,
      now.toISOString(),
    ]);
    return added > 0 ? 'saved' : 'already';
  }

  /** Whether the paper was on the list. */
  async remove(userId: string, paperId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM saved_papers WHERE user_id = ? AND paper_id = ?', [userId, paperId])) > 0;
  }

  async has(userId: string, paperId: string): Promise<boolean> {
    return !!(await this.db.get('SELECT 1 AS one FROM saved_papers WHERE user_id = ? AND paper_id = ?', [userId, paperId]));
  }

  async count(userId: string): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT CAST(count(*) AS INTEGER) AS n FROM saved_papers WHERE user_id = ?', [userId]))!.n;
  }

  /** Paper ids, the most recently saved first; `limit` from `offset` (all when no limit). */
  async list(userId: string, offset = 0, limit = MAX_SAVED): Promise<string[]> {
    const rows = await this.db.all<{ paper_id: string }>(
      'SELECT paper_id FROM saved_papers WHERE user_id = ? ORDER BY saved_at DESC, paper_id LIMIT ? OFFSET ?',
      [userId, limit, offset],
    );
    return rows.map((r) => r.paper_id);
  }
}
