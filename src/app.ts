import path from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { AnswerChain } from './answer/chain.js';
import { DigestStore } from './digest/store.js';
import { TopicStore } from './topics/store.js';
import { createChatModel } from './answer/models.js';
import { loadLexicalSnapshot, saveLexical } from './library/lexical-cache.js';
import { PaperStore } from './library/store.js';
import { createEmbeddings, type NamedEmbeddings } from './retrieval/embeddings.js';
import { HybridRetriever } from './retrieval/hybrid-retriever.js';
import { VectraStore } from './retrieval/vector-store.js';

/** Everything a command needs: the library, its indexes and the retriever over them. */
export interface App {
  config: Config;
  log: Logger;
  store: PaperStore;
  embeddings: NamedEmbeddings;
  vectors: VectraStore;
  retriever: HybridRetriever;
  /** Question → cited answer (extractive offline, or the configured LLM with extractive fallback). */
  chain: AnswerChain;
  /** Daily-post subscriptions and history (same database). */
  digests: DigestStore;
  /** Users' topic subscriptions and pending alerts (same database). */
  topics: TopicStore;
  close(): Promise<void>;
}

/** Opens the library under DATA_DIR; each embedding model has its own vector index folder. */
export async function openApp(config: Config, log: Logger): Promise<App> {
  const store = new PaperStore(config.DATA_DIR);
  try {
    const embeddings = await createEmbeddings(config, log);
    const vectors = await VectraStore.open(path.join(config.DATA_DIR, 'vectors', embeddings.modelId), embeddings, (m) => log.warn(m));
    const papers = store.all();
    const snapshot = loadLexicalSnapshot(config.DATA_DIR, papers);
    const retriever = new HybridRetriever(embeddings, vectors, papers, snapshot ? { lexical: snapshot } : {});
    if (!snapshot && papers.length) await saveLexical(config.DATA_DIR, retriever.lexical, papers);
    const model = await createChatModel(config);
    const chain = new AnswerChain({ retriever, timeoutMs: config.LLM_TIMEOUT_MS, log, ...(model ? { model } : {}) });
    return {
      config,
      log,
      store,
      embeddings,
      vectors,
      retriever,
      chain,
      digests: new DigestStore(store.db),
      topics: new TopicStore(store.db),
      async close() {
        await (embeddings as { dispose?: () => Promise<void> }).dispose?.();
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
