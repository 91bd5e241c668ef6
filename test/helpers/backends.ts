import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Db } from '../../src/db/db.js';
import { openDb } from '../../src/db/open.js';

/** Where a test's database lives: a temporary folder (SQLite) or a fresh database on the test PostgreSQL. */
export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** Opens the same database again (a restart, or a second process). */
  open(): Promise<Db>;
  /** DATABASE_URL for an app or a child process ('' for SQLite). */
  url: string;
  /** DATA_DIR for everything kept on disk (SQLite file, Vectra, lexical snapshot). */
  dataDir: string;
  drop(): Promise<void>;
}

const postgresUrl = () => inject('postgresUrl');

/** The backends a parametrised suite runs against; PostgreSQL is skipped only when the run has none. */
export const BACKENDS = ['sqlite', 'postgres'] as const;

export function skipBackend(name: (typeof BACKENDS)[number]): boolean {
  return name === 'postgres' && !postgresUrl();
}

export async function makeBackend(name: (typeof BACKENDS)[number]): Promise<TestBackend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `paperbot-${name}-`));
  if (name === 'sqlite') {
    return {
      name,
      url: '',
      dataDir,
      open: () => openDb({ DATA_DIR: dataDir }),
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const admin = postgresUrl();
  const dbName = `t_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client(admin);
  await c.connect();
  await c.query(`CREATE DATABASE ${dbName}`);
  await c.end();
  const url = admin.replace(/\/[^/]*$/, `/${dbName}`);
  return {
    name,
    url,
    dataDir,
    open: () => openDb({ DATA_DIR: dataDir, DATABASE_URL: url }),
    async drop() {
      const a = new pg.Client(admin);
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await a.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
