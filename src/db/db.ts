/** A value bound to a `?` placeholder. */
export type Param = string | number | null;

/**
 * The narrow SQL seam every store is written against: the embedded SQLite file by default, a shared
 * PostgreSQL when DATABASE_URL is set. Statements use `?` placeholders and SQL both engines accept
 * (ON CONFLICT … DO NOTHING / DO UPDATE, RETURNING, CAST(count(*) AS INTEGER)); where they differ a
 * store asks `dialect`.
 */
export interface Db {
  readonly dialect: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: Param[]): Promise<T[]>;
  get<T>(sql: string, params?: Param[]): Promise<T | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: Param[]): Promise<number>;
  /** Runs `fn` in one transaction: all of its statements commit, or none. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database could not be reached (PostgreSQL down or restarting): worth a "try again in a moment". */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the database is unavailable (${(cause as Error)?.message ?? String(cause)})`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}
