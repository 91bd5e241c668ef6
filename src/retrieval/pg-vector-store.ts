import { createHash } from 'node:crypto';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import type pg from 'pg';
import { copyBinary, inTransaction } from '../db/postgres.js';
import type { PassageMetadata, PassageVectors } from './vector-store.js';

/**
 * HNSW parameters, chosen with `npm run bench:hnsw` (150k stand-in vectors from bge's space, real
 * questions; README has its table): ef_construction 128 with a search list 1.5× the candidates found
 * ~0.985 of the exact top 10 on pgvector 0.6 (0.958 on 0.8's run; 0.995 in bench:scale at 100k) for
 * ~1 ms more per search than the defaults (~0.90), at a longer one-off build (54 s against 31 s on
 * 0.8); m 24 was slower for the same recall. ef_construction 64 with a 4× list is the alternative
 * (0.990 on 0.8, builds faster, searches ~2 ms slower).
 */
const HNSW = { m: 16, efConstruction: 128, searchFactor: 1.5 };
const hnswName = (table: string) => `${table}_hnsw_m${HNSW.m}_c${HNSW.efConstruction}`;

/**
 * The HNSW index, unless it exists (inside a transaction). The graph of 100k vectors needs a few
 * hundred MB to build in memory; with the default 64 MB the build is several times slower.
 */
async function buildHnsw(client: pg.PoolClient, table: string): Promise<void> {
  await client.query("SET LOCAL maintenance_work_mem = '512MB'");
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${hnswName(table)} ON ${table} USING hnsw (embedding vector_cosine_ops) WITH (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction})`,
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
   */
  static async open(pool: pg.Pool, embeddings: EmbeddingsInterface & { modelId: string }, dimensions: number): Promise<PgPassageStore> {
    const table = passageTable(embeddings.modelId);
    await inTransaction(pool, async (client) => {
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
      for (const r of rows) if (r.indexname !== hnswName(table)) await client.query(`DROP INDEX ${r.indexname}`);
      await buildHnsw(client, table);
    });
    return new PgPassageStore(embeddings, pool, table, dimensions);
  }

  /**
   * Inserting into an HNSW index one vector at a time is ~8x slower than building it once over the
   * loaded rows (30k vectors: 65 s against 8 s here), so a large load drops the index and builds it
   * after. Meanwhile searches still work, exactly (a sequential scan), only slower.
   */
  async bulkLoad<T>(load: () => Promise<T>): Promise<T> {
    await this.pool.query(`DROP INDEX IF EXISTS ${hnswName(this.table)}`);
    try {
      return await load();
    } finally {
      await inTransaction(this.pool, (client) => buildHnsw(client, this.table));
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
   * the HNSW search list is 1.5 k long, so the k candidates are nearly the exact k nearest.
   */
  async similaritySearchVectorWithScore(query: number[], k: number): Promise<[Document, number][]> {
    // One round trip: a multi-statement query is one implicit transaction, so SET LOCAL holds for the
    // search and ends with it. The vector is written inline (numbers only, checked).
    if (!query.every(Number.isFinite)) throw new Error('query vector has a non-finite component');
    const n = Math.max(1, Math.ceil(k));
    const v = `'[${query.join(',')}]'::vector`;
    const results = (await this.pool.query(
      `SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(40, Math.ceil(HNSW.searchFactor * n)))};
       SELECT id, metadata, embedding <=> ${v} AS d FROM ${this.table} ORDER BY embedding <=> ${v} LIMIT ${n}`,
    )) as unknown as pg.QueryResult<{ id: string; metadata: PassageMetadata; d: number }>[];
    return results[1]!.rows.map((r): [Document, number] => [new Document({ pageContent: '', metadata: r.metadata, id: r.id }), 1 - Number(r.d)]);
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
