import path from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { AnswerChain } from './answer/chain.js';
import { SharedConversations } from './answer/conversation.js';
import type { Db } from './db/db.js';
import { AdvisoryLeadership, soleLeader, type Leadership } from './db/leader.js';
import { openDb } from './db/open.js';
import { PostgresDb } from './db/postgres.js';
import { DigestStore } from './digest/store.js';
import { TopicStore } from './topics/store.js';
import { createChatModel } from './answer/models.js';
import { loadLexicalSnapshot, saveLexical } from './library/lexical-cache.js';
import { PaperStore } from './library/store.js';
import { createEmbeddings, type NamedEmbeddings } from './retrieval/encoders/embeddings.js';
import { HybridRetriever } from './retrieval/hybrid-retriever.js';
import { LexicalIndex } from './retrieval/lexical/lexical.js';
import { PgPassageStore } from './retrieval/vectors/pg-vector-store.js';
import { PgLexical } from './retrieval/lexical/pg-lexical.js';
import { StoreCatalog } from './library/catalog.js';
import { VectraStore, type PassageVectors } from './retrieval/vectors/vector-store.js';

/** Everything a command needs: the library, its indexes and the retriever over them. */
export interface App {
  config: Config;
  log: Logger;
  /** The database: the SQLite file under DATA_DIR, or the shared PostgreSQL (DATABASE_URL). */
  db: Db;
  store: PaperStore;
  embeddings: NamedEmbeddings;
  /** Passage vectors: Vectra under DATA_DIR, or pgvector in the shared database. */
  vectors: PassageVectors;
  retriever: HybridRetriever;
  /** Question → cited answer (extractive offline, or the configured LLM with extractive fallback). */
  chain: AnswerChain;
  /** Daily-post subscriptions and history (same database). */
  digests: DigestStore;
  /** Users' topic subscriptions and pending alerts (same database). */
  topics: TopicStore;
  /** Does this process run the once-per-deployment jobs? (Always, with the embedded backend.) */
  leader: Leadership;
  /** The lexical index ingest must write (PostgreSQL); undefined when it lives in memory (embedded). */
  sharedLexical?: PgLexical;
  close(): Promise<void>;
}

/**
 * Opens the library: embedded (SQLite + Vectra under DATA_DIR) by default, or the shared PostgreSQL
 * + pgvector when DATABASE_URL is set. Each embedding model has its own vector index.
 * `leader: false` (one-shot CLI commands) takes no part in choosing the process that runs the daily jobs.
 */
export async function openApp(config: Config, log: Logger, opts: { leader?: boolean; create?: boolean } = {}): Promise<App> {
  const db = await openDb({
    ...config,
    ...(opts.create === false ? { create: false } : {}),
    onIdleError: (err) => log.warn({ err: err.message }, 'database connection lost; reconnecting on next use'),
  });
  const cleanup: (() => Promise<void> | void)[] = [() => db.close()];
  try {
    const store = new PaperStore(db);
    const embeddings = await createEmbeddings(config, log);
    cleanup.unshift(() => (embeddings as { dispose?: () => Promise<void> }).dispose?.());
    let vectors: PassageVectors;
    let retriever: HybridRetriever;
    let sharedLexical: PgLexical | undefined;
    if (db instanceof PostgresDb) {
      // Shared: vectors, BM25 and papers are read from the database per question; nothing grows in memory.
      vectors = await PgPassageStore.open(db.pool, embeddings, (await embeddings.embedQuery('dimensions')).length);
      sharedLexical = new PgLexical(db.pool);
      retriever = new HybridRetriever(embeddings, vectors, [], { lexical: sharedLexical, catalog: new StoreCatalog(store) });
    } else {
      vectors = await VectraStore.open(path.join(config.DATA_DIR, 'vectors', embeddings.modelId), embeddings, (m) => log.warn(m));
      const papers = await store.all();
      const snapshot = loadLexicalSnapshot(config.DATA_DIR, papers);
      retriever = new HybridRetriever(embeddings, vectors, papers, snapshot ? { lexical: snapshot } : {});
      if (!snapshot && papers.length && retriever.lexical instanceof LexicalIndex) await saveLexical(config.DATA_DIR, retriever.lexical, papers);
    }
    const model = await createChatModel(config);
    // Shared library: conversations live in the database too, so another shard or a restart continues them.
    const conversations = db instanceof PostgresDb ? new SharedConversations(db) : undefined;
    const chain = new AnswerChain({
      retriever,
      timeoutMs: config.LLM_TIMEOUT_MS,
      log,
      ...(model ? { model } : {}),
      ...(conversations ? { conversations } : {}),
    });
    let leader: Leadership = soleLeader;
    if (db instanceof PostgresDb && opts.leader !== false) {
      const l = new AdvisoryLeadership(db.pool).start();
      l.onChange((is) => log.info({ leader: is }, is ? 'this process now runs the daily posts, topic alerts and library updates' : 'lost leadership'));
      await l.ready();
      leader = l;
      cleanup.unshift(() => l.stop());
    }
    return {
      config,
      log,
      db,
      store,
      embeddings,
      vectors,
      retriever,
      chain,
      digests: new DigestStore(db),
      topics: new TopicStore(db),
      leader,
      ...(sharedLexical ? { sharedLexical } : {}),
      async close() {
        for (const c of cleanup) await c();
      },
    };
  } catch (err) {
    for (const c of cleanup) await Promise.resolve(c()).catch(() => {});
    throw err;
  }
}
