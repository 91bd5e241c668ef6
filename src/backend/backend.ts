import type { Conversations } from '../answer/conversation.js';
import type { Db } from '../db/db.js';
import type { Leadership } from '../db/leader.js';
import type { FullTextStore } from '../library/fulltext-store.js';
import type { SavedStore } from '../library/saved-store.js';
import type { PaperIndex } from '../library/ingest.js';
import type { PaperStore } from '../library/store.js';
import type { PaperCatalog } from '../retrieval/catalog.js';
import type { LexicalRanker } from '../retrieval/lexical/lexical.js';
import type { PassageVectors } from '../retrieval/vectors/vector-store.js';

/**
 * Where the library lives, chosen once from the configuration: embedded (the SQLite file, a Vectra
 * index and an in-memory BM25 under DATA_DIR; one process) or shared (PostgreSQL + pgvector + BM25
 * in SQL; every process and shard). Nothing outside this folder asks which one it is: both give the
 * same parts.
 */
export interface Backend {
  readonly kind: 'embedded' | 'postgres';
  /** Other processes serve this library too (shards, a CLI beside the bot): what a later click or turn needs is kept in the database. */
  readonly shared: boolean;
  readonly db: Db;
  readonly store: PaperStore;
  /** Passage vectors (Vectra under DATA_DIR, or pgvector), one index per embedding model. */
  readonly vectors: PassageVectors;
  /** The papers the retriever reads (all in memory, or the database with a small cache). */
  readonly catalog: PaperCatalog;
  /** BM25 over titles, abstracts and aliases. */
  readonly lexical: LexicalRanker;
  /** What ingest keeps up to date beside the papers and their vectors (the catalog and BM25). */
  readonly index: PaperIndex;
  /** Papers' full texts with their passage vectors (the same table in either database). */
  readonly fullTexts: FullTextStore;
  /** Each user's reading list. */
  readonly saved: SavedStore;
  /** Conversations, so follow-ups continue (another shard or a restart too, when shared). */
  readonly conversations: Conversations;
  /** Which process runs the once-per-deployment jobs (always this one, when embedded). */
  readonly leader: Leadership;
  /** Short-lived state by key (the answer behind "Show evidence", search pages) for `ttlMs`. */
  keyedState<T>(kind: string, ttlMs: number): KeyedState<T>;
  close(): Promise<void>;
}

/** State by key: in this process (LRU), or in the shared database so any shard can serve the click. */
export interface KeyedState<T> {
  get(key: string): T | undefined | Promise<T | undefined>;
  set(key: string, value: T): unknown;
}

export interface BackendOptions {
  /** false: take no part in choosing the process that runs the daily jobs (one-shot CLI commands). */
  leader?: boolean;
}
