import { ensureFolder } from '../../db/data-dir.js';
import fs from 'node:fs';
import path from 'node:path';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { VectorStore } from '@langchain/core/vectorstores';
import { CompactCodec } from './compact-codec.js';
import { LocalIndex, type MetadataFilter } from './vectra.js';
import { AtomicFileStorage } from '../atomic-storage.js';

/** What every passage vector carries: enough to find its paper and tell whether it is stale. */
export interface PassageMetadata extends Record<string, string | number | boolean> {
  paperId: string;
  n: number;
  hash: string;
}

/**
 * What ingest needs of a passage vector store beyond LangChain's `VectorStore`: replace a paper's
 * passages in one step, and tell which content each paper's vectors were made from. Vectra (embedded)
 * and pgvector (shared) both provide it.
 */
export type PassageVectors = VectorStore & {
  replacePapers(paperIds: Set<string>, vectors: number[][], metadata: PassageMetadata[]): Promise<void>;
  /** paperId → content hash of the passages indexed for it. */
  paperHashes(): Promise<Map<string, string>>;
  size(): Promise<number>;
  /** Ids of library papers with no vectors for their current content (a store beside the papers table). */
  stalePapers?(): Promise<string[]>;
  /** Runs a large load in the way this store loads fastest (pgvector: build the HNSW index once, after). */
  bulkLoad?<T>(load: () => Promise<T>): Promise<T>;
};

/**
 * Passage vectors in a Vectra `LocalIndex`, behind LangChain's `VectorStore` interface (so a
 * pgvector store can take its place). Binary protobuf codec, Float32Array in memory (CompactCodec), and
 * crash-safe writes (AtomicFileStorage). The vectors are derived data: if the file is unreadable it
 * is set aside and ingest rebuilds it from the library.
 */
export class VectraStore extends VectorStore {
  declare FilterType: MetadataFilter;
  private constructor(
    embeddings: EmbeddingsInterface,
    readonly index: LocalIndex<PassageMetadata>,
    readonly folder: string,
  ) {
    super(embeddings, {});
  }

  _vectorstoreType(): string {
    return 'vectra';
  }

  static async open(folder: string, embeddings: EmbeddingsInterface, onCorrupt?: (msg: string) => void): Promise<VectraStore> {
    ensureFolder(folder);
    const make = () => new LocalIndex<PassageMetadata>(folder, undefined, new AtomicFileStorage(), new CompactCodec());
    let index = make();
    if (await index.isIndexCreated()) {
      try {
        await index.listItems(); // loads and validates the file
      } catch (err) {
        const file = path.join(folder, index.indexName);
        const aside = `${file}.corrupt-${Date.now()}`;
        fs.renameSync(file, aside);
        onCorrupt?.(`vector index ${file} was unreadable (${(err as Error).message}); moved to ${aside}, it will be rebuilt`);
        index = make();
      }
    }
    if (!(await index.isIndexCreated())) await index.createIndex({ version: 1 });
    return new VectraStore(embeddings, index, folder);
  }

  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    const ids = options?.ids ?? documents.map((d, i) => d.id ?? `${d.metadata.paperId}#${d.metadata.n ?? i}`);
    await this.index.beginUpdate();
    try {
      for (let i = 0; i < vectors.length; i++) {
        await this.index.upsertItem({ id: ids[i]!, vector: vectors[i]!, metadata: documents[i]!.metadata as PassageMetadata });
      }
      await this.index.endUpdate();
    } catch (err) {
      this.index.cancelUpdate();
      throw err;
    }
    return ids;
  }

  async addDocuments(documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  /**
   * Replaces all passages of the given papers in one write: old passages of those papers are
   * deleted and the new ones added, then the file is saved once.
   */
  async replacePapers(paperIds: Set<string>, vectors: number[][], metadata: PassageMetadata[]): Promise<void> {
    await this.index.beginUpdate();
    try {
      for (const item of await this.index.listItems()) {
        if (paperIds.has(item.metadata.paperId)) await this.index.deleteItem(item.id);
      }
      for (let i = 0; i < vectors.length; i++) {
        const m = metadata[i]!;
        await this.index.insertItem({ id: `${m.paperId}#${m.n}`, vector: vectors[i]!, metadata: m });
      }
      await this.index.endUpdate();
    } catch (err) {
      this.index.cancelUpdate();
      throw err;
    }
  }

  /** paperId → content hash of the passages indexed for it. */
  async paperHashes(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const item of await this.index.listItems()) out.set(item.metadata.paperId, item.metadata.hash);
    return out;
  }

  async size(): Promise<number> {
    return (await this.index.listItems()).length;
  }

  async similaritySearchVectorWithScore(query: number[], k: number, filter?: MetadataFilter): Promise<[Document, number][]> {
    const hits = await this.index.queryItems(query, '', k, filter);
    return hits.map((h) => [new Document({ pageContent: '', metadata: h.item.metadata, id: h.item.id }), h.score]);
  }
}
