import fs from 'node:fs';
import path from 'node:path';
import { DataDirError } from './data-dir.js';
import type { Db } from './db.js';
import { migratePostgres, migrateSqlite } from './migrations.js';
import { PostgresDb } from './postgres.js';
import { SqliteDb } from './sqlite.js';

/**
 * The database behind the library and the bot's state: PostgreSQL when DATABASE_URL is set (shared
 * by every process and shard), otherwise the SQLite file DATA_DIR/paperbot.db. Migrations are
 * applied before it is returned.
 */
export async function openDb(opts: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
  onIdleError?: (err: Error) => void;
  /** false: a library that does not exist yet is an error, not created (read-only commands: a typo in DATA_DIR must not make a new, empty one). */
  create?: boolean;
}): Promise<Db> {
  const file = path.join(opts.DATA_DIR, 'paperbot.db');
  if (!opts.DATABASE_URL && opts.create === false && !fs.existsSync(file))
    throw new DataDirError(
      `the library in ${opts.DATA_DIR} is empty: run "npx paperbot ingest" (or "npm start") first; nothing was created there (check DATA_DIR for a typo)`,
    );
  const db = opts.DATABASE_URL ? PostgresDb.connect(opts.DATABASE_URL, { onIdleError: opts.onIdleError }) : new SqliteDb(file, opts.DATA_DIR);
  try {
    await (db instanceof PostgresDb ? migratePostgres(db) : migrateSqlite(db));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
