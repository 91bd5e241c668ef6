import path from 'node:path';
import Database from 'better-sqlite3';
import { dataDirError, ensureFolder } from './data-dir.js';
import type { Db, Param } from './db.js';

/**
 * The embedded backend: one SQLite file under DATA_DIR (WAL journal, full sync, so a crash mid-write
 * leaves the last committed state). better-sqlite3 is synchronous; the async face is for the shared
 * interface. A transaction holds the connection: statements from elsewhere wait until it ends, so
 * they never land inside it.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly raw: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private lock: Promise<void> = Promise.resolve();

  constructor(file: string, dataDir = path.dirname(file)) {
    ensureFolder(path.dirname(file), dataDir);
    try {
      this.raw = new Database(file);
    } catch (err) {
      throw dataDirError(dataDir, file, err);
    }
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('synchronous = FULL');
    this.raw.pragma('busy_timeout = 5000');
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  async all<T>(sql: string, params: Param[] = []): Promise<T[]> {
    await this.lock;
    return this.allNow<T>(sql, params);
  }

  async get<T>(sql: string, params: Param[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: Param[] = []): Promise<number> {
    await this.lock;
    return this.runNow(sql, params);
  }

  private allNow<T>(sql: string, params: Param[]): T[] {
    const s = this.stmt(sql);
    if (s.reader) return s.all(...params) as T[];
    s.run(...params);
    return [];
  }

  private runNow(sql: string, params: Param[]): number {
    const s = this.stmt(sql);
    return s.reader ? s.all(...params).length : s.run(...params).changes;
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const before = this.lock;
    let release!: () => void;
    this.lock = new Promise((r) => {
      release = r;
    });
    await before;
    const tx: Db = {
      dialect: 'sqlite',
      all: async <R>(sql: string, params: Param[] = []) => this.allNow<R>(sql, params),
      get: async <R>(sql: string, params: Param[] = []) => this.allNow<R>(sql, params)[0],
      run: async (sql: string, params: Param[] = []) => this.runNow(sql, params),
      transaction: (inner) => inner(tx),
      close: async () => {},
    };
    try {
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(tx);
        this.raw.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      }
    } finally {
      release();
    }
  }

  /** Several statements at once (migrations). */
  exec(sql: string): void {
    this.raw.exec(sql);
  }

  async close(): Promise<void> {
    await this.lock;
    if (this.raw.open) this.raw.close();
  }
}
