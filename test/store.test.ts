import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS, migratePostgres, migrateSqlite } from '../src/db/migrations.js';
import { openDb } from '../src/db/open.js';
import { type BinaryKind, copyBinary, onConnection, PostgresDb } from '../src/db/postgres.js';
import type { SqliteDb } from '../src/db/sqlite.js';
import { PaperStore } from '../src/library/store.js';
import { hnswKind, PgPassageStore } from '../src/retrieval/vectors/pg-vector-store.js';
import { readSeedFile } from '../src/sources/seed.js';
import { BACKENDS, makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

describe.each(BACKENDS)('PaperStore on %s', (name) => {
  const papers = readSeedFile('seeds/daily-papers.txt');
  let backend: TestBackend;
  let store: PaperStore;
  beforeEach(async (t) => {
    if (skipBackend(name)) return t.skip();
    backend = await makeBackend(name);
    store = new PaperStore(await backend.open());
  });
  afterEach(async () => {
    await store?.close();
    await backend?.drop();
  });

  it('stores papers and re-storing the same papers changes nothing', async () => {
    expect((await store.upsert(papers)).added).toHaveLength(63);
    const again = await store.upsert(papers);
    expect(again).toEqual({ added: [], changed: [], unchanged: papers.map((p) => p.id) });
    expect(await store.count()).toBe(63);
    const p = (await store.get('matryoshka-representation-learning'))!;
    expect(p.links).toEqual(['https://github.com/RAIVNLab/MRL']);
    expect(p.contentHash).toMatch(/^[0-9a-f]{16}$/);
    expect((await store.all()).map((x) => x.id)).toEqual(papers.map((x) => x.id));
  });

  it('a changed abstract is an update with a new content hash and a new updatedAt; added stays', async () => {
    await store.upsert(papers);
    const before = (await store.get(papers[0]!.id))!;
    await new Promise((r) => setTimeout(r, 5));
    const r = await store.upsert([{ ...papers[0]!, abstract: `${papers[0]!.abstract} Revised.` }]);
    expect(r.changed).toEqual([papers[0]!.id]);
    const after = (await store.get(papers[0]!.id))!;
    expect(after.contentHash).not.toBe(before.contentHash);
    expect(after.updatedAt > before.updatedAt).toBe(true);
    expect(after.addedAt).toBe(before.addedAt);
    expect((await store.changedSince(after.updatedAt)).map((p) => p.id)).toEqual([papers[0]!.id]);
  });

  it('keeps authors in order; a source that gives them later fills them in without re-embedding the paper', async () => {
    await store.upsert(papers.slice(0, 1));
    const before = (await store.get(papers[0]!.id))!;
    expect(before.authors).toBeUndefined();
    const authors = ['Anh Nguyen', 'Jeff Clune', 'Yoshua Bengio', 'Alexey Dosovitskiy', 'Jason Yosinski'];
    expect((await store.upsert([{ ...papers[0]!, authors }])).changed).toEqual([papers[0]!.id]);
    const after = (await store.get(papers[0]!.id))!;
    expect(after.authors).toEqual(authors);
    expect(after.contentHash).toBe(before.contentHash); // what is embedded did not change
  });

  it('a batch that fails part-way stores nothing', async () => {
    await store.upsert(papers.slice(0, 2));
    const broken = { ...papers[5]!, title: null as unknown as string };
    await expect(store.upsert([papers[3]!, broken])).rejects.toThrow();
    expect(await store.count()).toBe(2);
  });

  it('finds a paper by normalised title and by arXiv id (for matching live sources to seed papers)', async () => {
    await store.upsert([...papers.slice(1), { ...papers[0]!, arxivId: '2205.13147' }]);
    expect((await store.findByTitle('matryoshka   representation LEARNING'))?.id).toBe('matryoshka-representation-learning');
    expect((await store.byArxivId('2205.13147'))?.id).toBe(papers[0]!.id);
  });

  it('persists across reopen, and a second connection sees the same library', async () => {
    await store.upsert(papers);
    const other = new PaperStore(await backend.open());
    expect(await other.count()).toBe(63);
    await other.close();
  });

  it('records every migration once; opening again applies nothing', async () => {
    const rows = await store.db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    const db = store.db;
    const again = db instanceof PostgresDb ? await migratePostgres(db) : await migrateSqlite(db as SqliteDb);
    expect(again).toEqual([]);
  });

  it('a failing migration is rolled back whole and not recorded', async () => {
    const bad = [
      ...MIGRATIONS,
      {
        version: 99,
        name: 'broken',
        sql: 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);',
        pg: 'CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);',
      },
    ];
    const db = store.db;
    const run = db instanceof PostgresDb ? migratePostgres(db, bad) : migrateSqlite(db as SqliteDb, bad);
    await expect(run).rejects.toThrow(/nowhere/);
    await expect(db.all('SELECT * FROM half')).rejects.toThrow();
    expect(await db.get('SELECT CAST(count(*) AS INTEGER) AS n FROM schema_migrations WHERE version = 99')).toEqual({ n: 0 });
  });
});

describe('PaperStore on an older SQLite file', () => {
  it('opens a database made by an earlier release: versioned migrations add what it lacks and keep its papers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-store-'));
    const old = new Database(path.join(dir, 'paperbot.db'));
    // What releases before migrations created: the first three migrations' tables, no record, no thumbnail column.
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m.sql);
    old
      .prepare(
        "INSERT INTO papers (id, title, abstract, links, source, norm_title, content_hash, added_at) VALUES ('x', 'Old Paper', 'An abstract.', '[]', 'seed', 'old paper', 'h', '2026-01-01')",
      )
      .run();
    old.close();

    const store = new PaperStore(await openDb({ DATA_DIR: dir }));
    const applied = await store.db.all<{ version: number }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const x = (await store.get('x'))!;
    expect(x.title).toBe('Old Paper');
    expect(x.updatedAt).toBe('2026-01-01');
    const papers = readSeedFile('seeds/daily-papers.txt');
    await store.upsert([{ ...papers[0]!, thumbnail: 'https://cdn-thumbnails.huggingface.co/p.png' }]);
    expect((await store.get(papers[0]!.id))!.thumbnail).toBe('https://cdn-thumbnails.huggingface.co/p.png');
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe.skipIf(skipBackend('postgres'))('binary COPY into PostgreSQL', () => {
  it('writes text, JSONB, integers, reals and pgvector vectors back exactly', async () => {
    const backend = await makeBackend('postgres');
    const db = (await backend.open()) as PostgresDb;
    try {
      await db.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
      await db.pool.query('CREATE TABLE copy_bin (a TEXT, j JSONB, s SMALLINT, n INTEGER, x REAL, v vector(3))');
      const rows: [string, string, number, number, number, number[]][] = [
        ['tab\there \\N line\r\nbreak C:\\path ünïcødé 🚀', JSON.stringify({ paperId: '2401.1', n: 0, hash: 'ab' }), 7, 123456789, 0.1, [0.5, -0.25, 1e-7]],
        ['', JSON.stringify({ q: 'line\nbreak "quoted"' }), -32768, -1, -3.5, [0, 0, 0]],
      ];
      const columns: [string, BinaryKind][] = [
        ['a', 'text'],
        ['j', 'jsonb'],
        ['s', 'int2'],
        ['n', 'int4'],
        ['x', 'float4'],
        ['v', 'vector'],
      ];
      await onConnection(db.pool, (client) => copyBinary(client, 'copy_bin', columns, rows));
      const { rows: back } = await db.pool.query<{ a: string; j: unknown; s: number; n: number; x: number; v: string }>(
        'SELECT a, j, s, n, x::float8 AS x, v::text AS v FROM copy_bin ORDER BY n DESC',
      );
      // pgvector prints the shortest text of each float4: read back to float4 to compare bits.
      expect(back.map((r) => [r.a, r.j, r.s, r.n, r.x, (JSON.parse(r.v) as number[]).map(Math.fround)])).toEqual(
        rows.map(([a, j, s, n, x, v]) => [a, JSON.parse(j), s, n, Math.fround(x), v.map((c) => Math.fround(c))]),
      );
      // A row of the wrong width is refused before anything is sent.
      await expect(onConnection(db.pool, (client) => copyBinary(client, 'copy_bin', columns, [['only one']]))).rejects.toThrow(/1 values for 6 columns/);
    } finally {
      await db.close();
      await backend.drop();
    }
  });
});

/** The index kind this server's pgvector version gets. */
async function serverHnswKind(db: PostgresDb): Promise<string> {
  const { rows } = await db.pool.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
  return hnswKind(rows[0]!.extversion);
}

describe.skipIf(skipBackend('postgres'))('pgvector passage table', () => {
  it('rebuilds an HNSW index an earlier release made with other parameters, once, at open', async () => {
    const backend = await makeBackend('postgres');
    const db = (await backend.open()) as PostgresDb;
    const embeddings = { modelId: 'test-encoder', embedQuery: async () => [1, 0, 0], embedDocuments: async (t: string[]) => t.map(() => [1, 0, 0]) };
    try {
      const store = await PgPassageStore.open(db.pool, embeddings as never, 3);
      const hnsw = async () =>
        (
          await db.pool.query<{ indexname: string; indexdef: string }>(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE '%hnsw%'",
            [store.table],
          )
        ).rows;
      await db.pool.query(`DROP INDEX ${(await hnsw())[0]!.indexname}`);
      // What the release before built: float4, ef_construction 128.
      await db.pool.query(
        `CREATE INDEX ${store.table}_hnsw_m16_c128 ON ${store.table} USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 128)`,
      );
      await PgPassageStore.open(db.pool, embeddings as never, 3);
      const after = await hnsw();
      expect(after).toHaveLength(1);
      expect(after[0]!.indexname).not.toMatch(/_c128$/);
      // float2 copies where this server's pgvector has them, the float4 column where not.
      if ((await serverHnswKind(db)) === 'halfvec') expect(after[0]!.indexdef).toMatch(/halfvec_cosine_ops/);
      else expect(after[0]!.indexdef).toMatch(/USING hnsw \(embedding vector_cosine_ops/);
    } finally {
      await db.close();
      await backend.drop();
    }
  });
  it('indexes float2 copies where pgvector has them (0.7+), the float4 column where not; either way the exact cosine order and scores', async () => {
    expect(['0.5.1', '0.6.2', '0.7.0', '0.8.2', '1.0.0'].map(hnswKind)).toEqual(['vector', 'vector', 'halfvec', 'halfvec', 'halfvec']);
    const backend = await makeBackend('postgres');
    const db = (await backend.open()) as PostgresDb;
    const dims = 8;
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647) * 2 - 1;
    };
    const unit = () => {
      const v = Array.from({ length: dims }, rand);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const vectors = Array.from({ length: 300 }, unit);
    const embeddings = { modelId: 'test-encoder-8', embedQuery: async () => unit(), embedDocuments: async (t: string[]) => t.map(unit) };
    try {
      const kinds: string[] = [];
      for (const hnsw of [undefined, 'vector', undefined] as const) {
        const store = await PgPassageStore.open(db.pool, embeddings as never, dims, hnsw ? { hnsw } : {});
        kinds.push(store.hnsw);
        const defs = (
          await db.pool.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE '%hnsw%'", [store.table])
        ).rows;
        expect(defs).toHaveLength(1);
        expect(defs[0]!.indexdef).toContain(store.hnsw === 'halfvec' ? `halfvec(${dims})` : 'embedding vector_cosine_ops');
        if ((await store.size()) === 0)
          await store.replacePapers(
            new Set(vectors.map((_, i) => `p${i}`)),
            vectors,
            vectors.map((_, i) => ({ paperId: `p${i}`, n: 0, hash: 'h' })),
          );
        let found = 0;
        for (let q = 0; q < 20; q++) {
          const query = unit();
          const got = await store.similaritySearchVectorWithScore(query, 10);
          const cosine = (v: number[]) => v.reduce((s, x, i) => s + x * query[i]!, 0);
          for (const [doc, score] of got) expect(score).toBeCloseTo(cosine(vectors[Number(doc.metadata.paperId.slice(1))]!), 5);
          expect(got.map(([, s]) => s)).toEqual(got.map(([, s]) => s).sort((a, b) => b - a));
          const exact = await store.exactSearch(query, 10);
          found += got.filter(([d]) => exact.includes(d.id!)).length;
        }
        expect(found / 200).toBeGreaterThanOrEqual(0.95);
      }
      // pgvector 0.7+: float2 by default, float4 when asked, float2 again after (older: float4 each time).
      const kind = await serverHnswKind(db);
      expect(kinds).toEqual([kind, 'vector', kind]);
    } finally {
      await db.close();
      await backend.drop();
    }
  });
});
