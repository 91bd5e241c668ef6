import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingest } from '../../src/library/ingest.js';
import { PaperStore } from '../../src/library/store.js';
import { openDb } from '../../src/db/open.js';
import { HybridRetriever } from '../../src/retrieval/hybrid-retriever.js';
import { TransformersEmbeddings } from '../../src/retrieval/encoders/transformers.js';
import { VectraStore } from '../../src/retrieval/vectors/vector-store.js';
import { readSeedFile } from '../../src/sources/seed.js';

/** The seed library, ingested for real with the default encoder (bge-small-en-v1.5 from ./models) into a temporary folder. */
export async function seedLibrary() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-lib-'));
  const store = new PaperStore(await openDb({ DATA_DIR: dir }));
  const embeddings = new TransformersEmbeddings({ model: 'Xenova/bge-small-en-v1.5', modelsDir: path.resolve('models') });
  const vectors = await VectraStore.open(path.join(dir, 'vectors'), embeddings);
  await ingest(readSeedFile('seeds/daily-papers.txt'), { store, vectors, embeddings });
  const retriever = HybridRetriever.inMemory(embeddings, vectors, await store.all());
  return {
    dir,
    store,
    retriever,
    async close() {
      await store.close();
      await embeddings.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
