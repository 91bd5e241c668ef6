import type Database from 'better-sqlite3';

/**
 * The schema of paperbot's database, as an ordered list of migrations. Each is applied once, in a
 * transaction, and recorded in `schema_migrations`; opening a database applies the ones it lacks.
 * The first three are the tables earlier releases created on the fly (IF NOT EXISTS, so their
 * databases take them as already applied). Add a migration at the end; never edit a released one.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'papers',
    sql: `
    CREATE TABLE IF NOT EXISTS papers (
      id           TEXT PRIMARY KEY,
      title        TEXT NOT NULL,
      abstract     TEXT NOT NULL,
      url          TEXT,
      links        TEXT NOT NULL DEFAULT '[]',
      source       TEXT NOT NULL,
      source_order INTEGER,
      arxiv_id     TEXT,
      upvotes      INTEGER,
      ai_summary   TEXT,
      published_at TEXT,
      norm_title   TEXT NOT NULL,
      content_hash TEXT NOT NULL,
      added_at     TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS papers_norm_title ON papers(norm_title);
    CREATE INDEX IF NOT EXISTS papers_arxiv_id ON papers(arxiv_id);
  
    `,
  },
  {
    version: 2,
    name: 'daily post: subscriptions, post history, papers seen',
    sql: `
    CREATE TABLE IF NOT EXISTS digest_subscriptions (
      channel_id      TEXT PRIMARY KEY,
      guild_id        TEXT,
      time            TEXT NOT NULL,
      timezone        TEXT NOT NULL,
      count           INTEGER NOT NULL,
      source          TEXT NOT NULL,
      enabled         INTEGER NOT NULL DEFAULT 1,
      disabled_reason TEXT,
      created_at      TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS digest_posts (
      channel_id TEXT NOT NULL,
      day        TEXT NOT NULL,
      status     TEXT NOT NULL,
      at         TEXT NOT NULL,
      paper_ids  TEXT NOT NULL DEFAULT '[]',
      note       TEXT,
      PRIMARY KEY (channel_id, day)
    );
    CREATE TABLE IF NOT EXISTS digest_seen (
      channel_id TEXT NOT NULL,
      paper_id   TEXT NOT NULL,
      day        TEXT NOT NULL,
      PRIMARY KEY (channel_id, paper_id)
    );
  
    `,
  },
  {
    version: 3,
    name: 'topic subscriptions and alerts',
    sql: `
    CREATE TABLE IF NOT EXISTS topics (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      user_id    TEXT NOT NULL,
      topic      TEXT NOT NULL,
      created_at TEXT NOT NULL,
      UNIQUE (user_id, topic)
    );
    CREATE TABLE IF NOT EXISTS topic_matches (
      user_id  TEXT NOT NULL,
      paper_id TEXT NOT NULL,
      topic    TEXT NOT NULL,
      sent_day TEXT,
      PRIMARY KEY (user_id, paper_id)
    );
    CREATE TABLE IF NOT EXISTS topic_users (
      user_id      TEXT PRIMARY KEY,
      last_dm_day  TEXT,
      dms_closed   INTEGER NOT NULL DEFAULT 0
    );
  
    `,
  },
  { version: 4, name: 'paper thumbnails', sql: 'ALTER TABLE papers ADD COLUMN thumbnail TEXT;' },
];

/** Applies the migrations this database lacks; returns the versions applied now. */
export function migrate(db: Database.Database, migrations = MIGRATIONS): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
    applied.push(m.version);
  }
  return applied;
}
