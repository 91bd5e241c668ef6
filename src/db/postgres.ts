import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DatabaseUnavailableError, isConnectionError, type Db, type Param } from './db.js';

/** `?` placeholders → `$1, $2, …` (outside quoted strings and identifiers). */
export function numbered(sql: string): string {
  let n = 0;
  let quote: string | null = null;
  let out = '';
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

/** Runs `fn` on one pooled connection in a transaction: committed, or rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return onConnection(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

/** Runs `fn` on one pooled connection (session settings made in it stay on that connection). */
export async function onConnection<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

/** A column's PostgreSQL binary wire format, as COPY … (FORMAT binary) reads it. */
export type BinaryKind = 'text' | 'jsonb' | 'int2' | 'int4' | 'float4' | 'vector';
type BinaryValue = string | number | ArrayLike<number>;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** A value's size in bytes in the binary format of its kind (after its 4-byte length). */
function binarySize(kind: BinaryKind, v: BinaryValue): number {
  switch (kind) {
    case 'text':
      return Buffer.byteLength(v as string, 'utf8');
    case 'jsonb':
      return 1 + Buffer.byteLength(v as string, 'utf8');
    case 'int2':
      return 2;
    case 'int4':
    case 'float4':
      return 4;
    case 'vector':
      return 4 + 4 * (v as ArrayLike<number>).length;
  }
}

/** Writes a value at `at` in the binary format of its kind; returns the offset after it. */
function writeBinary(buf: Buffer, at: number, kind: BinaryKind, v: BinaryValue): number {
  switch (kind) {
    case 'text':
      return at + buf.write(v as string, at, 'utf8');
    case 'jsonb': // version byte 1, then the JSON text
      buf[at] = 1;
      return at + 1 + buf.write(v as string, at + 1, 'utf8');
    case 'int2':
      return buf.writeInt16BE(v as number, at);
    case 'int4':
      return buf.writeInt32BE(v as number, at);
    case 'float4':
      return buf.writeFloatBE(v as number, at);
    case 'vector': {
      // pgvector's vector_recv: int16 dimensions, int16 unused, then float4s, all big-endian.
      const x = v as ArrayLike<number>;
      at = buf.writeInt16BE(x.length, at);
      at = buf.writeInt16BE(0, at);
      for (let i = 0; i < x.length; i++) at = buf.writeFloatBE(x[i]!, at);
      return at;
    }
  }
}

/**
 * COPY in PostgreSQL's binary format: numbers and vectors travel as bytes, not text the server
 * parses (a float's text is ~3x its 4 bytes, and parsing 38M of them was most of a 100k-paper load
 * of vectors), and several times faster than INSERT … unnest for millions of rows (no parameter
 * arrays to build and parse, no planner). Rows are written straight into 256 KB chunks, on the
 * given connection, so inside its transaction.
 */
export async function copyBinary(
  client: pg.PoolClient,
  table: string,
  columns: [name: string, kind: BinaryKind][],
  rows: Iterable<BinaryValue[]>,
): Promise<void> {
  const kinds = columns.map(([, k]) => k);
  function* chunks() {
    const CHUNK = 1 << 18;
    let buf = Buffer.allocUnsafe(CHUNK);
    SIGNATURE.copy(buf, 0);
    let at = buf.writeInt32BE(0, SIGNATURE.length); // flags
    at = buf.writeInt32BE(0, at); // header extension length
    for (const r of rows) {
      if (r.length !== kinds.length) throw new Error(`copyBinary: a row has ${r.length} values for ${kinds.length} columns`);
      let size = 2;
      for (let i = 0; i < kinds.length; i++) size += 4 + binarySize(kinds[i]!, r[i]!);
      if (at + size > buf.length) {
        yield buf.subarray(0, at);
        buf = Buffer.allocUnsafe(Math.max(CHUNK, size));
        at = 0;
      }
      at = buf.writeInt16BE(kinds.length, at);
      for (let i = 0; i < kinds.length; i++) {
        const lenAt = at;
        at = writeBinary(buf, at + 4, kinds[i]!, r[i]!);
        buf.writeInt32BE(at - lenAt - 4, lenAt);
      }
    }
    if (at + 2 > buf.length) {
      yield buf.subarray(0, at);
      buf = Buffer.allocUnsafe(2);
      at = 0;
    }
    at = buf.writeInt16BE(-1, at); // trailer
    yield buf.subarray(0, at);
  }
  const source = Readable.from(chunks());
  await pipeline(source, client.query(copyFrom(`COPY ${table} (${columns.map(([c]) => c).join(', ')}) FROM STDIN (FORMAT binary)`)));
}

const wrap = (err: unknown): unknown => (isConnectionError(err) ? new DatabaseUnavailableError(err) : err);

class PgQueries {
  constructor(protected readonly q: pg.Pool | pg.PoolClient) {}

  async all<T>(sql: string, params: Param[] = []): Promise<T[]> {
    try {
      return (await this.q.query({ text: numbered(sql), values: params })).rows as T[];
    } catch (err) {
      throw wrap(err);
    }
  }

  async get<T>(sql: string, params: Param[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: Param[] = []): Promise<number> {
    try {
      return (await this.q.query({ text: numbered(sql), values: params })).rowCount ?? 0;
    } catch (err) {
      throw wrap(err);
    }
  }
}

/**
 * The shared backend: a small connection pool to PostgreSQL. A server that goes away (restart,
 * failover) surfaces as DatabaseUnavailableError on the calls made meanwhile; the pool reconnects
 * by itself when it is back. An idle connection dropped by the server is logged, not fatal.
 */
export class PostgresDb extends PgQueries implements Db {
  readonly dialect = 'postgres' as const;

  constructor(
    readonly pool: pg.Pool,
    onIdleError: (err: Error) => void = () => {},
  ) {
    super(pool);
    pool.on('error', onIdleError);
  }

  static connect(url: string, opts: { max?: number; onIdleError?: (err: Error) => void } = {}): PostgresDb {
    // application_name names the process in pg_stat_activity (which pid holds the leader lock, whose query is slow).
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 5,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: `paperbot pid=${process.pid}`,
    });
    return new PostgresDb(pool, opts.onIdleError);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw wrap(err);
    }
    const q = new PgQueries(client);
    const tx: Db = {
      dialect: 'postgres',
      all: (sql, params) => q.all(sql, params),
      get: (sql, params) => q.get(sql, params),
      run: (sql, params) => q.run(sql, params),
      transaction: (inner) => inner(tx),
      close: async () => {},
    };
    let broken = false;
    try {
      await client.query('BEGIN');
      const out = await fn(tx);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw wrap(err);
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
