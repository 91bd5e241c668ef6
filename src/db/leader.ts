import type pg from 'pg';

/**
 * Which process runs the once-per-deployment work (daily posts, topic alerts, scheduled ingest).
 * Embedded backend: the only process, always. PostgreSQL: whoever holds a session advisory lock on
 * its own connection. When that process dies its connection closes and the server frees the lock;
 * the others try again every `retryMs` (default 5 s), so one takes over well within a minute.
 */
export interface Leadership {
  readonly isLeader: boolean;
  /** Resolves once the first election attempt is over (isLeader is then meaningful). */
  ready(): Promise<void>;
  /** Called whenever this process gains or loses leadership. */
  onChange(listener: (leader: boolean) => void): void;
  stop(): Promise<void>;
}

export const soleLeader: Leadership = { isLeader: true, ready: async () => {}, onChange: () => {}, stop: async () => {} };

/** Advisory lock keys in use: 7245001 migrations, 7245002 and 7245005 vector tables' creation, 7245003 this, 7245004 (with a paper) full-text index writes. */
const LEADER_LOCK = 7245003;

export class AdvisoryLeadership implements Leadership {
  private client: pg.PoolClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = false;
  private readonly listeners: ((leader: boolean) => void)[] = [];
  private first: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: { retryMs?: number } = {},
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): this {
    this.first = this.attempt();
    return this;
  }

  async ready(): Promise<void> {
    await this.first;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      this.client ??= await this.connect();
      const { rows } = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK]);
      if (rows[0]?.ok && !this.leading) this.set(true);
      if (this.leading) {
        // Still connected? (A lost connection means the lock is gone too.)
        await this.client.query('SELECT 1');
      }
    } catch {
      this.drop();
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.attempt(), this.opts.retryMs ?? 5000);
  }

  private async connect(): Promise<pg.PoolClient> {
    const c = await this.pool.connect();
    c.on('error', () => this.drop());
    return c;
  }

  private drop(): void {
    const c = this.client;
    this.client = undefined;
    c?.release(true);
    if (this.leading) this.set(false);
  }

  private set(leader: boolean): void {
    this.leading = leader;
    for (const l of this.listeners) l(leader);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        if (this.leading) await c.query('SELECT pg_advisory_unlock($1)', [LEADER_LOCK]);
      } catch {
        // connection already gone: the server released the lock
      }
      c.release(true);
    }
    this.leading = false;
  }
}
