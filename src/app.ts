import type { Config } from './config.js';
import type { Logger } from './log.js';
import { AnswerChain } from './answer/chain.js';
import { createChatModel } from './answer/models.js';
import type { Backend } from './backend/backend.js';
import { openBackend } from './backend/open.js';
import type { Db } from './db/db.js';
import type { Leadership } from './db/leader.js';
import { openDb } from './db/open.js';
import { DigestStore } from './digest/store.js';
import type { PaperStore } from './library/store.js';
import type { PaperCatalog } from './retrieval/catalog.js';
import { BodyRetriever } from './retrieval/body/body-retriever.js';
import { createEmbeddings, type NamedEmbeddings } from './retrieval/encoders/embeddings.js';
import { HybridRetriever } from './retrieval/hybrid-retriever.js';
import { TopicStore } from './topics/store.js';
import { PaperThreadStore } from './threads/store.js';

/** Everything a command needs: the library, its indexes and the retriever over them. */
export interface App {
  config: Config;
  log: Logger;
  /** Where the library lives (embedded under DATA_DIR, or the shared PostgreSQL): decided once, in backend/. */
  backend: Backend;
  /** The backend's database and paper store, for short. */
  db: Db;
  store: PaperStore;
  embeddings: NamedEmbeddings;
  /** Titles, aliases and papers by id: autocomplete and lookups. */
  catalog: PaperCatalog;
  retriever: HybridRetriever;
  /** Passages of the papers' full texts (for answers that quote a paper's body). */
  body: BodyRetriever;
  /** Question → cited answer (extractive offline, or the configured LLM with extractive fallback). */
  chain: AnswerChain;
  /** Daily-post subscriptions and history (same database). */
  digests: DigestStore;
  /** Users' topic subscriptions and pending alerts (same database). */
  topics: TopicStore;
  /** Which thread discusses which paper (same database). */
  threads: PaperThreadStore;
  /** Does this process run the once-per-deployment jobs? (Always, with the embedded backend.) */
  leader: Leadership;
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
    const embeddings = await createEmbeddings(config, log);
    cleanup.unshift(() => (embeddings as { dispose?: () => Promise<void> }).dispose?.());
    const backend = await openBackend(config, log, db, embeddings, opts.leader === false ? { leader: false } : {});
    cleanup.splice(-1, 1, () => backend.close());
    const { store, vectors, lexical, catalog, conversations } = backend;
    const retriever = new HybridRetriever({ embeddings, vectors, lexical, catalog });
    const body = new BodyRetriever(backend.fullTexts, embeddings.modelId);
    const model = await createChatModel(config);
    const chain = new AnswerChain({ retriever, body, timeoutMs: config.LLM_TIMEOUT_MS, log, conversations, ...(model ? { model } : {}) });
    return {
      config,
      log,
      backend,
      db,
      store,
      embeddings,
      catalog,
      retriever,
      body,
      chain,
      digests: new DigestStore(db),
      topics: new TopicStore(db),
      threads: new PaperThreadStore(db),
      leader: backend.leader,
      async close() {
        for (const c of cleanup) await c();
      },
    };
  } catch (err) {
    for (const c of cleanup) await Promise.resolve(c()).catch(() => {});
    throw err;
  }
}
