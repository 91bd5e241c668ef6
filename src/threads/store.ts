import type { Db } from '../db/db.js';

/** A paper's discussion thread in a channel. */
export interface PaperThread {
  threadId: string;
  channelId: string;
  guildId: string | null;
  paperId: string;
  /** The paper's title when the thread was opened (said if the paper later leaves the library). */
  title: string;
  createdAt: string;
}

/**
 * Which thread discusses which paper (migration 13; either database): at most one per (channel,
 * paper), so "Discuss" goes to the thread already open; a question asked in a thread is about its paper.
 */
export class PaperThreadStore {
  constructor(private readonly db: Db) {}

  async forPaper(channelId: string, paperId: string): Promise<PaperThread | undefined> {
    const r = await this.db.get<ThreadRow>('SELECT * FROM paper_threads WHERE channel_id = ? AND paper_id = ?', [channelId, paperId]);
    return r && fromRow(r);
  }

  async byThread(threadId: string): Promise<PaperThread | undefined> {
    const r = await this.db.get<ThreadRow>('SELECT * FROM paper_threads WHERE thread_id = ?', [threadId]);
    return r && fromRow(r);
  }

  /** Records a thread just opened; false when another click recorded one for that paper first. */
  async record(t: Omit<PaperThread, 'createdAt'>, now = new Date()): Promise<boolean> {
    const n = await this.db.run(
      'INSERT INTO paper_threads (thread_id, channel_id, guild_id, paper_id, title, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [t.threadId, t.channelId, t.guildId, t.paperId, t.title, now.toISOString()],
    );
    return n > 0;
  }

  /** A thread Discord no longer has (deleted): the next "Discuss" opens a new one. */
  async forget(threadId: string): Promise<void> {
    await this.db.run('DELETE FROM paper_threads WHERE thread_id = ?', [threadId]);
  }
}

interface ThreadRow {
  thread_id: string;
  channel_id: string;
  guild_id: string | null;
  paper_id: string;
  title: string;
  created_at: string;
}

const fromRow = (r: ThreadRow): PaperThread => ({
  threadId: r.thread_id,
  channelId: r.channel_id,
  guildId: r.guild_id,
  paperId: r.paper_id,
  title: r.title,
  createdAt: r.created_at,
});
