import type { Db } from './db.js';

/**
 * Short-lived state that must outlive a process and be seen by every shard when the library is
 * shared: conversations, answers behind "Show evidence", search pages. JSON values by (kind, key),
 * each with an expiry; expired rows read as absent and are swept now and then.
 */
export class SharedState<T> {
  private writes = 0;

  constructor(
    private readonly db: Db,
    readonly kind: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<T | undefined> {
    const row = await this.db.get<{ value: string }>('SELECT value FROM shared_state WHERE kind = ? AND key = ? AND expires_at > ?', [
      this.kind,
      key,
      this.now(),
    ]);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async set(key: string, value: T): Promise<void> {
    await this.db.run(
      `INSERT INTO shared_state (kind, key, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      [this.kind, key, JSON.stringify(value), this.now() + this.ttlMs],
    );
    if (++this.writes % 200 === 0) await this.db.run('DELETE FROM shared_state WHERE expires_at <= ?', [this.now()]);
  }

  async delete(key: string): Promise<void> {
    await this.db.run('DELETE FROM shared_state WHERE kind = ? AND key = ?', [this.kind, key]);
  }
}
