import path from 'node:path';
import type { Db } from './db.js';
import { migratePostgres, migrateSqlite } from './migrations.js';
import { PostgresDb } from './postgres.js';
import { SqliteDb } from './sqlite.js';

/**
 * The database behind the library and the bot's state: PostgreSQL when DATABASE_URL is set (shared
 * by every process and shard), otherwise the SQLite file DATA_DIR/paperbot.db. Migrations are
 * applied before it is returned.
 */
export async function openDb(opts: { DATABASE_URL?: string | undefined; DATA_DIR: string; onIdleError?: (err: Error) => void }): Promise<Db> {
  const db = opts.DATABASE_URL
    ? PostgresDb.connect(opts.DATABASE_URL, { onIdleError: opts.onIdleError })
    : new SqliteDb(path.join(opts.DATA_DIR, 'paperbot.db'));
  try {
    await (db instanceof PostgresDb ? migratePostgres(db) : migrateSqlite(db));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
