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

/** Connection errors (server down, restarting, refusing): the caller may retry later. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (e?.code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|57P0[1-3]|08\d{3}|53300)$/.test(e.code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(e?.message ?? '');
}

/** The database is down or restarting (whichever backend): the user should simply retry. */
export function isDatabaseUnavailable(err: unknown): boolean {
  return err instanceof DatabaseUnavailableError || isConnectionError(err);
}
