import type { Logger } from '../log.js';
import { SharedConversations } from '../answer/conversation.js';
import { AdvisoryLeadership, soleLeader, type Leadership } from '../db/leader.js';
import type { PostgresDb } from '../db/postgres.js';
import { SharedState } from '../db/state.js';
import { StoreCatalog } from '../library/catalog.js';
import { FullTextStore } from '../library/fulltext-store.js';
import { SavedStore } from '../library/saved-store.js';
import type { PaperStore } from '../library/store.js';
import type { NamedEmbeddings } from '../retrieval/encoders/embeddings.js';
import { PgBodyIndex } from '../retrieval/body/pg-body-index.js';
import { PgLexical } from '../retrieval/lexical/pg-lexical.js';
import { PgPassageStore } from '../retrieval/vectors/pg-vector-store.js';
import type { Backend, BackendOptions } from './backend.js';

/**
 * A library shared by every process and shard: papers, pgvector passages, BM25 postings,
 * conversations and button state all in PostgreSQL, read per question (a process's memory does not
 * grow with the library). One process, elected by an advisory lock, runs the daily jobs.
 */
export async function openShared(db: PostgresDb, store: PaperStore, embeddings: NamedEmbeddings, log: Logger, opts: BackendOptions): Promise<Backend> {
  const dimensions = (await embeddings.embedQuery('dimensions')).length;
  const vectors = await PgPassageStore.open(db.pool, embeddings, dimensions);
  const lexical = new PgLexical(db.pool);
  const fullTexts = new FullTextStore(db, await PgBodyIndex.open(db.pool, embeddings.modelId, dimensions));
  // Full texts stored before their passages had an index in the database are indexed once, in the background.
  fullTexts
    .reindex()
    .then((n) => n && log.info({ fullTexts: n }, 'indexed the passages of full texts stored before'))
    .catch((err) => log.warn({ err }, 'could not index the passages of earlier full texts; will try at the next start'));
  const leader = opts.leader === false ? soleLeader : await elect(db, log);
  return {
    kind: 'postgres',
    shared: true,
    db,
    store,
    vectors,
    catalog: new StoreCatalog(store),
    lexical,
    // Ingest writes the postings in the database, beside the vectors; every process then reads them.
    index: lexical,
    fullTexts,
    saved: new SavedStore(db),
    conversations: new SharedConversations(db),
    leader,
    keyedState: <T>(kind: string, ttlMs: number) => new SharedState<T>(db, kind, ttlMs),
    async close() {
      await leader.stop();
      await db.close();
    },
  };
}

async function elect(db: PostgresDb, log: Logger): Promise<Leadership> {
  const leader = new AdvisoryLeadership(db.pool).start();
  leader.onChange((is) => log.info({ leader: is }, is ? 'this process now runs the daily posts, topic alerts and library updates' : 'lost leadership'));
  await leader.ready();
  return leader;
}
