import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Db } from '../db/db.js';
import { PostgresDb } from '../db/postgres.js';
import { PaperStore } from '../library/store.js';
import type { NamedEmbeddings } from '../retrieval/encoders/embeddings.js';
import type { Backend, BackendOptions } from './backend.js';
import { openEmbedded } from './embedded.js';
import { openShared } from './postgres.js';

/** Builds the backend for a database opened from the configuration (db/open.ts): the one place that tells them apart. */
export async function openBackend(config: Config, log: Logger, db: Db, embeddings: NamedEmbeddings, opts: BackendOptions = {}): Promise<Backend> {
  const store = new PaperStore(db);
  return db instanceof PostgresDb ? openShared(db, store, embeddings, log, opts) : openEmbedded(config, db, store, embeddings, log);
}
