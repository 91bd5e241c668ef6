import { createHash } from 'node:crypto';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import type pg from 'pg';
import { copyBinary, inTransaction } from '../../db/postgres.js';
import type { PassageMetadata, PassageVectors } from './vector-store.js';

/**
 * HNSW parameters, chosen with `npm run bench:hnsw` (150k stand-in vectors from bge's space, 200 real
 * questions; README has its table). The index holds float2 copies of the vectors (`halfvec`, pgvector
 * 0.7+): half the size of a float4 index and searched faster at the same list, for a recall within
 * ~0.01. ef_construction 48 with a search list 2× the candidates: recall@10 0.986 at 6.0 ms, built in
 * 22.9 s with 44.5 core-seconds; ef_construction 64 found 0.991 at 6.4 ms with 57.3 core-seconds
 * (29.3 s). The build is the largest part of a 100k bulk load on 2 cores (issue 9's < 60 s), so the
 * cheaper build; 40 saved little more (41.4) for 0.983. Scores and the order returned are exact
 * (float4) over the candidates found.
 */
export const HNSW = { m: 16, efConstruction: 48, searchFactor: 2 };

/** What the HNSW index is built on: float2 copies where pgvector has them (0.7.0+), else the column. */
export type HnswKind = 'halfvec' | 'vector';
export function hnswKind(pgvectorVersion: string): HnswKind {
  const [major = 0, minor = 0] = pgvectorVersion.split('.').map(Number);
  return major > 0 || minor >= 7 ? 'halfvec' : 'vector';
}

/** The indexed expression and its operator class; queries order by the same expression. */
export const indexed = (kind: HnswKind, dimensions: number) =>
  kind === 'halfvec'
    ? { expr: `(embedding::halfvec(${dimensions}))`, ops: 'halfvec_cosine_ops', cast: `halfvec(${dimensions})` }
    : { expr: 'embedding', ops: 'vector_cosine_ops', cast: 'vector' };

const hnswName = (table: string, kind: HnswKind) => `${table}_hnsw${kind === 'halfvec' ? '_h' : ''}_m${HNSW.m}_c${HNSW.efConstruction}`;

/**
 * The HNSW index, unless it exists (inside a transaction). The graph of 100k vectors needs a few
 * hundred MB to build in memory; with the default 64 MB the build is several times slower.
 */
async function buildHnsw(client: pg.PoolClient, table: string, kind: HnswKind, dimensions: number): Promise<void> {
  const { expr, ops } = indexed(kind, dimensions);
  await client.query("SET LOCAL maintenance_work_mem = '512MB'");
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${hnswName(table, kind)} ON ${table} USING hnsw (${expr} ${ops}) WITH (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction})`,
  );
}

/** One table per encoder (vectors of two models are not comparable), named after the model. */
export function passageTable(modelId: string): string {
  const slug = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 30);
  return `passages_${slug}_${createHash('sha256').update(modelId).digest('hex').slice(0, 6)}`;
}

/**
 * Passage vectors in PostgreSQL with pgvector, through LangChain's `PGVectorStore` (inserts, the
 * table's shape), with an HNSW cosine index. Every process and shard reads the same table, so a
 * paper one process ingests is found by all. Scores are cosine similarities, as in the Vectra store.
 */
export class PgPassageStore extends PGVectorStore implements PassageVectors {
  private constructor(
    embeddings: EmbeddingsInterface,
    pool: pg.Pool,
    readonly table: string,
    readonly dimensions: number,
    readonly hnsw: HnswKind,
  ) {
    super(embeddings, {
      pool,
      tableName: table,
      skipInitializationCheck: true,
      distanceStrategy: 'cosine',
      columns: { idColumnName: 'id', vectorColumnName: 'embedding', contentColumnName: 'text', metadataColumnName: 'metadata' },
    });
  }

  _vectorstoreType(): string {
    return 'pgvector';
  }

  /**
   * Opens (creating if needed) the encoder's passage table. Its id is the passage id (paperId#n), and
   * paper_id is a generated column so a paper's passages are replaced by one indexed delete.
   * `hnsw` picks the index's kind (tests); by default float2 where the server's pgvector has it.
   */
  static async open(
    pool: pg.Pool,
    embeddings: EmbeddingsInterface & { modelId: string },
    dimensions: number,
    opts: { hnsw?: HnswKind } = {},
  ): Promise<PgPassageStore> {
    const table = passageTable(embeddings.modelId);
    const kind = await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(7245002)'); // shards starting together create it once
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      id        TEXT PRIMARY KEY,
      text      TEXT NOT NULL DEFAULT '',
      metadata  JSONB NOT NULL,
      embedding vector(${dimensions}) NOT NULL,
      paper_id  TEXT GENERATED ALWAYS AS (metadata->>'paperId') STORED
    )`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${table}_paper ON ${table} (paper_id)`);
      // An index an earlier release built with other parameters is rebuilt once, here.
      const { rows } = await client.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE $2', [
        table,
        '%USING hnsw%',
      ]);
      const version = (await client.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'")).rows[0]!.v;
      const kind = opts.hnsw ?? hnswKind(version);
      for (const r of rows) if (r.indexname !== hnswName(table, kind)) await client.query(`DROP INDEX ${r.indexname}`);
      await buildHnsw(client, table, kind, dimensions);
      return kind;
    });
    return new PgPassageStore(embeddings, pool, table, dimensions, kind);
  }

  /**
   * Inserting into an HNSW index one vector at a time is ~8x slower than building it once over the
   * loaded rows (30k vectors: 65 s against 8 s here), so a large load drops the index and builds it
   * after. Meanwhile searches still work, exactly (a sequential scan), only slower.
   */
  async bulkLoad<T>(load: () => Promise<T>): Promise<T> {
    await this.pool.query(`DROP INDEX IF EXISTS ${hnswName(this.table, this.hnsw)}`);
    try {
      return await load();
    } finally {
      await inTransaction(this.pool, (client) => buildHnsw(client, this.table, this.hnsw, this.dimensions));
    }
  }

  /**
   * A batch of papers' passages replaced in one transaction (delete, then a binary COPY: a large
   * load is millions of numbers, which INSERT's parameter lists, or COPY's text, parse several times slower).
   */
  async replacePapers(paperIds: Set<string>, vectors: number[][], metadata: PassageMetadata[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await inTransaction(this.pool, async (client) => {
          await client.query(`DELETE FROM ${this.table} WHERE paper_id = ANY($1::text[])`, [[...paperIds]]);
          if (vectors.length === 0) return;
          await copyBinary(
            client,
            this.table,
            [
              ['id', 'text'],
              ['text', 'text'],
              ['metadata', 'jsonb'],
              ['embedding', 'vector'],
            ],
            metadata.map((m, i) => [`${m.paperId}#${m.n}`, '', JSON.stringify(m), vectors[i]!]),
          );
        });
        return;
      } catch (err) {
        // Another process wrote the same passages meanwhile (two ingests of one paper): do it again once.
        if (attempt > 1 || !/duplicate key/.test((err as Error).message)) throw err;
      }
    }
  }

  async paperHashes(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ paper_id: string; hash: string }>(
      `SELECT DISTINCT ON (paper_id) paper_id, metadata->>'hash' AS hash FROM ${this.table}`,
    );
    return new Map(rows.map((r) => [r.paper_id, r.hash]));
  }

  /** Papers (same database) whose passages are missing or from older content: one query, only their ids back. */
  async stalePapers(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT p.id FROM papers p LEFT JOIN (SELECT DISTINCT ON (paper_id) paper_id, metadata->>'hash' AS hash FROM ${this.table}) v ON v.paper_id = p.id
       WHERE v.hash IS DISTINCT FROM p.content_hash`,
    );
    return rows.map((r) => r.id);
  }

  async size(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT CAST(count(*) AS INTEGER) AS n FROM ${this.table}`);
    return rows[0]!.n;
  }

  /**
   * Nearest passages by cosine similarity. Only id and metadata come back (not the vectors), and
   * the HNSW search list is 2 k long, so the k candidates are nearly the exact k nearest. The index
   * orders by float2 distance; the scores (and the order returned) are the exact float4 cosines.
   */
  async similaritySearchVectorWithScore(query: number[], k: number): Promise<[Document, number][]> {
    // One round trip: a multi-statement query is one implicit transaction, so SET LOCAL holds for the
    // search and ends with it. The vector is written inline (numbers only, checked).
    if (!query.every(Number.isFinite)) throw new Error('query vector has a non-finite component');
    const n = Math.max(1, Math.ceil(k));
    const literal = `'[${query.join(',')}]'`;
    const { expr, cast } = indexed(this.hnsw, this.dimensions);
    const results = (await this.pool.query(
      `SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(40, Math.ceil(HNSW.searchFactor * n)))};
       SELECT id, metadata, embedding <=> ${literal}::vector AS d FROM ${this.table} ORDER BY ${expr} <=> ${literal}::${cast} LIMIT ${n}`,
    )) as unknown as pg.QueryResult<{ id: string; metadata: PassageMetadata; d: number }>[];
    return results[1]!.rows
      .map((r): [Document, number] => [new Document({ pageContent: '', metadata: r.metadata, id: r.id }), 1 - Number(r.d)])
      .sort((a, b) => b[1] - a[1]);
  }

  /** Exact nearest neighbours (no index): the yardstick for HNSW recall. */
  async exactSearch(query: number[], k: number): Promise<string[]> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SET LOCAL enable_indexscan = off');
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${this.table} ORDER BY embedding <=> $1::vector LIMIT $2`, [
        `[${query.join(',')}]`,
        k,
      ]);
      return rows.map((r) => r.id);
    });
  }
}
