import type { Embeddings } from '@langchain/core/embeddings';
import { denseChunks } from '../retrieval/passages.js';
import type { PassageMetadata, PassageVectors } from '../retrieval/vector-store.js';
import { reconcile } from './identity.js';
import type { Paper } from './paper.js';
import { silentProgress, type Progress } from '../progress.js';
import type { PaperStore, StoredPaper } from './store.js';

export interface IngestReport {
  added: number;
  changed: number;
  unchanged: number;
  /** Papers whose passages were (re-)embedded. */
  embeddedPapers: number;
  embeddedPassages: number;
  seconds: number;
  /** Papers now searchable that were not before (to hand to the live retriever). */
  fresh: StoredPaper[];
  /** Every paper in the library after this ingest. */
  library: StoredPaper[];
}

export interface IngestDeps {
  store: PaperStore;
  vectors: PassageVectors;
  embeddings: Embeddings;
  progress?: Progress;
  /** A lexical index kept in the database (PostgreSQL); the embedded one is built in memory by the retriever. */
  lexical?: {
    indexedHashes(): Promise<Map<string, string>>;
    index(papers: StoredPaper[]): Promise<void>;
  };
  /** Passages embedded between two saves of the vector index (a crash loses at most this much work). */
  saveEvery?: number;
}

/**
 * Stores papers and brings the vector index up to date. Incremental: a paper is embedded only when
 * the vector index has no passages for its current content hash, so re-ingesting an unchanged
 * library embeds nothing (and does not even load the model). Crash-safe: SQLite commits the batch
 * first; vectors are saved atomically in chunks and stale ones are redone on the next run.
 */
export async function ingest(papers: Paper[], deps: IngestDeps): Promise<IngestReport> {
  const t0 = performance.now();
  const { store, vectors, embeddings } = deps;
  const progress = deps.progress ?? silentProgress;
  const upsert = await store.upsert(await reconcile(store, papers));

  const indexed = await vectors.paperHashes();
  // The whole library, read once: what is stale, what is fresh, and (for the caller) the lexical snapshot.
  const library = await store.all();
  const stale = library.filter((p) => indexed.get(p.id) !== p.contentHash);
  const todo = stale.map((p) => ({ paper: p, passages: denseChunks(p) }));
  const total = todo.reduce((n, t) => n + t.passages.length, 0);
  const saveEvery = deps.saveEvery ?? 2000;

  // A large load goes the way the store loads fastest (pgvector builds its HNSW index once, after).
  const load = <T>(fn: () => Promise<T>) => (total >= 10_000 && vectors.bulkLoad ? vectors.bulkLoad(fn) : fn());
  if (total > 0)
    await load(async () => {
      progress.start(total);
      let done = 0;
      try {
        for (let i = 0; i < todo.length; ) {
          const chunk: typeof todo = [];
          let size = 0;
          while (i < todo.length && (chunk.length === 0 || size + todo[i]!.passages.length <= saveEvery)) {
            size += todo[i]!.passages.length;
            chunk.push(todo[i++]!);
          }
          const texts = chunk.flatMap((t) => t.passages.map((p) => p.text));
          const vecs = await embedWithProgress(embeddings, texts, (n) => progress.update(done + n));
          const meta: PassageMetadata[] = chunk.flatMap((t) => t.passages.map((p) => ({ paperId: p.paperId, n: p.n, hash: t.paper.contentHash })));
          await vectors.replacePapers(new Set(chunk.map((t) => t.paper.id)), vecs, meta);
          done += texts.length;
          progress.update(done);
        }
      } finally {
        progress.stop();
      }
    });
  if (deps.lexical) {
    const lexHashes = await deps.lexical.indexedHashes();
    await deps.lexical.index(library.filter((p) => lexHashes.get(p.id) !== p.contentHash));
  }
  const freshIds = new Set([...upsert.added, ...upsert.changed]);
  return {
    added: upsert.added.length,
    changed: upsert.changed.length,
    unchanged: upsert.unchanged.length,
    embeddedPapers: stale.length,
    embeddedPassages: total,
    seconds: (performance.now() - t0) / 1000,
    fresh: library.filter((p) => freshIds.has(p.id)),
    library,
  };
}

/** Embeds in slices so the progress bar moves during long chunks. */
async function embedWithProgress(embeddings: Embeddings, texts: string[], onProgress: (n: number) => void): Promise<number[][]> {
  const slice = 256;
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += slice) {
    out.push(...(await embeddings.embedDocuments(texts.slice(i, i + slice))));
    onProgress(out.length);
  }
  return out;
}
