import type { Embeddings } from '@langchain/core/embeddings';
import { denseChunks } from '../retrieval/passages.js';
import type { PassageMetadata, PassageVectors } from '../retrieval/vectors/vector-store.js';
import { reconcile } from './identity.js';
import type { Paper } from '../paper/paper.js';
import { readableText } from './readable.js';
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
  /** Papers in the library after this ingest. */
  libraryCount: number;
}

export interface IngestDeps {
  store: PaperStore;
  vectors: PassageVectors;
  embeddings: Embeddings;
  progress?: Progress;
  /** What else indexes the papers (each backend has one: its catalog and BM25); a bare store and vector index, as in tests, has none. */
  index?: PaperIndex;
  /** Passages embedded between two saves of the vector index (a crash loses at most this much work). */
  saveEvery?: number;
}

/** An index kept beside the vectors by ingest (the BM25 postings, and an in-memory catalog when embedded). */
export interface PaperIndex {
  /** Ids of papers not indexed at their current content. */
  stalePapers(): Promise<string[]>;
  index(papers: StoredPaper[]): Promise<void>;
  /** Papers about to be stored: a large load's analysis may start now, beside the paper writes. */
  prepare?(papers: Paper[]): void;
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
  const reconciled = await reconcile(store, papers.map(readablePaper));
  deps.index?.prepare?.(reconciled);
  const upsert = await store.upsert(reconciled);

  // Which papers each index lacks or holds an older version of. A store in the same database as the
  // papers answers that itself (only the stale ids come back); otherwise compare hashes here. Either
  // way a library of 100k papers is not loaded to find the few that changed.
  let staleIds: string[];
  let libraryCount: number | undefined;
  if (vectors.stalePapers) staleIds = await vectors.stalePapers();
  else {
    const [indexed, hashes] = await Promise.all([vectors.paperHashes(), store.hashes()]);
    staleIds = [...hashes].filter(([id, h]) => indexed.get(id) !== h).map(([id]) => id);
    libraryCount = hashes.size;
  }
  const freshIds = new Set([...upsert.added, ...upsert.changed]);
  const lex = deps.index;
  const lexStaleIds = lex ? await lex.stalePapers() : [];
  const loaded = new Map((await store.getMany([...new Set([...staleIds, ...freshIds, ...lexStaleIds])])).map((p) => [p.id, p]));
  const stale = staleIds.map((id) => loaded.get(id)!).filter(Boolean);
  const todo = stale.map((p) => ({ paper: p, passages: denseChunks(p) }));
  const total = todo.reduce((n, t) => n + t.passages.length, 0);

  // A large load goes the way the store loads fastest (pgvector builds its HNSW index once, after).
  const load = <T>(fn: () => Promise<T>) => (total >= 10_000 && vectors.bulkLoad ? vectors.bulkLoad(fn) : fn());
  // Vectors and the database's lexical index are written side by side: while PostgreSQL builds one
  // index, this process prepares the other's rows.
  const writeVectors = async () => {
    if (total > 0) await load(() => embedInChunks(todo, total, { vectors, embeddings, progress, saveEvery: deps.saveEvery ?? 2000 }));
  };
  const writeLexical = async () => lex?.index(lexStaleIds.map((id) => loaded.get(id)!).filter(Boolean));
  const failed = (await Promise.allSettled([writeVectors(), writeLexical()])).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return {
    added: upsert.added.length,
    changed: upsert.changed.length,
    unchanged: upsert.unchanged.length,
    embeddedPapers: stale.length,
    embeddedPassages: total,
    seconds: (performance.now() - t0) / 1000,
    fresh: inLibraryOrder([...freshIds].map((id) => loaded.get(id)!).filter(Boolean)),
    libraryCount: libraryCount ?? (await store.count()),
  };
}

/** Embeds the stale papers' passages and writes them, `saveEvery` passages (whole papers) at a time. */
async function embedInChunks(
  todo: { paper: StoredPaper; passages: ReturnType<typeof denseChunks> }[],
  total: number,
  deps: Pick<IngestDeps, 'vectors' | 'embeddings'> & { progress: Progress; saveEvery: number },
): Promise<void> {
  const { progress } = deps;
  progress.start(total);
  let done = 0;
  try {
    for (let i = 0; i < todo.length; ) {
      const chunk: typeof todo = [];
      let size = 0;
      while (i < todo.length && (chunk.length === 0 || size + todo[i]!.passages.length <= deps.saveEvery)) {
        size += todo[i]!.passages.length;
        chunk.push(todo[i++]!);
      }
      const texts = chunk.flatMap((t) => t.passages.map((p) => p.text));
      const vecs = await embedWithProgress(deps.embeddings, texts, (n) => progress.update(done + n));
      const meta: PassageMetadata[] = chunk.flatMap((t) => t.passages.map((p) => ({ paperId: p.paperId, n: p.n, hash: t.paper.contentHash })));
      await deps.vectors.replacePapers(new Set(chunk.map((t) => t.paper.id)), vecs, meta);
      done += texts.length;
      progress.update(done);
    }
  } finally {
    progress.stop();
  }
}

/** A paper's title and abstract as readers should see them (LaTeX remains made readable; see readable.ts). */
export function readablePaper<P extends Paper>(p: P): P {
  const title = readableText(p.title);
  const abstract = readableText(p.abstract);
  return title === p.title && abstract === p.abstract ? p : { ...p, title, abstract };
}

/** The order PaperStore.all() returns (source, position on its page, when added, id). */
function inLibraryOrder(papers: StoredPaper[]): StoredPaper[] {
  const key = (p: StoredPaper): [string, number, string, string] => [p.source, p.sourceOrder ?? -1, p.addedAt, p.id];
  return papers.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return 0;
  });
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
