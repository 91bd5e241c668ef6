import path from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { SharedConversations } from '../answer/conversation.js';
import type { Db } from '../db/db.js';
import { soleLeader } from '../db/leader.js';
import { FullTextStore } from '../library/fulltext-store.js';
import { SavedStore } from '../library/saved-store.js';
import type { PaperIndex } from '../library/ingest.js';
import { loadLexicalSnapshot, saveLexical } from '../library/lexical-cache.js';
import type { PaperStore, StoredPaper } from '../library/store.js';
import { MemoryCatalog } from '../retrieval/catalog.js';
import type { NamedEmbeddings } from '../retrieval/encoders/embeddings.js';
import { LexicalIndex } from '../retrieval/lexical/lexical.js';
import { VectraStore } from '../retrieval/vectors/vector-store.js';
import type { Backend, KeyedState } from './backend.js';

/**
 * One process over DATA_DIR: papers in SQLite, vectors in Vectra, every paper and its BM25 postings
 * in memory (loaded from the saved snapshot when it matches the library, else built and saved).
 */
export async function openEmbedded(config: Config, db: Db, store: PaperStore, embeddings: NamedEmbeddings, log: Logger): Promise<Backend> {
  const vectors = await VectraStore.open(path.join(config.DATA_DIR, 'vectors', embeddings.modelId), embeddings, (m) => log.warn(m));
  const papers = await store.all();
  const catalog = new MemoryCatalog(papers);
  let lexical = loadLexicalSnapshot(config.DATA_DIR, papers);
  if (!lexical) {
    lexical = LexicalIndex.of(papers);
    if (papers.length) await saveLexical(config.DATA_DIR, lexical, papers);
  }
  return {
    kind: 'embedded',
    shared: false,
    db,
    store,
    vectors,
    catalog,
    lexical,
    index: new MemoryPaperIndex(store, catalog, lexical, config.DATA_DIR, papers),
    fullTexts: new FullTextStore(db),
    saved: new SavedStore(db),
    // In the database, so a restart continues a DM or a paper thread's conversation.
    conversations: new SharedConversations(db),
    leader: soleLeader,
    keyedState: <T>() => new LRUCache<string, T & {}>({ max: 2000 }) as KeyedState<T>,
    close: () => db.close(),
  };
}

/**
 * The in-memory catalog and BM25 of an embedded library, kept up to date by ingest: a paper added
 * or changed is (re)indexed at once, and the BM25 snapshot saved (atomically) for the next start.
 */
class MemoryPaperIndex implements PaperIndex {
  private readonly hashes: Map<string, string>;

  constructor(
    private readonly store: PaperStore,
    private readonly catalog: MemoryCatalog,
    private readonly lexical: LexicalIndex,
    private readonly dataDir: string,
    papers: StoredPaper[],
  ) {
    this.hashes = new Map(papers.map((p) => [p.id, p.contentHash]));
  }

  async stalePapers(): Promise<string[]> {
    return [...(await this.store.hashes())].filter(([id, h]) => this.hashes.get(id) !== h).map(([id]) => id);
  }

  async index(papers: StoredPaper[]): Promise<void> {
    if (papers.length === 0) return;
    this.catalog.add(papers);
    this.lexical.addPapers(papers);
    for (const p of papers) this.hashes.set(p.id, p.contentHash);
    await saveLexical(this.dataDir, this.lexical, await this.store.all());
  }
}
