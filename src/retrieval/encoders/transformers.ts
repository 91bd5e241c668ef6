import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { BertOnnx } from './bert-onnx.js';
import { type EncoderProfile, profileFor } from './profiles.js';
import { WorkerPool } from './worker-job.js';

export interface TransformersParams extends EmbeddingsParams {
  /** Model id, e.g. `Xenova/bge-small-en-v1.5`, read from `<modelsDir>/<model>/`. */
  model: string;
  /** Local model folder. */
  modelsDir: string;
  /** Use the quantized ONNX weights (`onnx/model_quantized.onnx`): the default. */
  quantized?: boolean;
  /** Worker threads for bulk documents (0 = the calling thread only). Default: cores, at most 4. */
  workers?: number;
  /**
   * onnxruntime threads for questions (default: cores, at most 4). 1 when the library is in
   * PostgreSQL: the search runs in the database while the question is embedded, and an encoder on
   * every core starved it (100k papers: search p50 41 ms with 2 threads, 32 ms with 1).
   */
  questionThreads?: number;
  /** Idle time after which worker threads are stopped (default 5 s). */
  idleMs?: number;
}

/** Below this many texts, embedding stays on the calling thread (starting two workers costs ~2 s). */
const WORKER_THRESHOLD = 128;
/** Texts per message to a worker: small enough that both workers stay busy to the end. */
const WORKER_BATCH = 16;

/**
 * A BERT-style ONNX sentence encoder (bge-small-en-v1.5 by default) as a LangChain `Embeddings`:
 * queries get the model's instruction prefix, documents do not; vectors are L2-normalised.
 *
 * Queries run on the calling thread with one onnxruntime session using every core. Bulk documents go
 * to worker threads with a one-thread session each: on 2 cores two one-thread sessions beat one
 * two-thread session by ~15 % (20.2 vs 17.5 SciFact abstracts/s in the final `npm run bench`, 27 vs 23
 * earlier the same day: this VM's speed drifts, the ratio held).
 */
export class TransformersEmbeddings extends Embeddings {
  readonly modelId: string;
  readonly profile: EncoderProfile;
  private encoder?: Promise<BertOnnx>;
  private readonly workers: WorkerPool;
  private readonly workerCount: number;

  constructor(private readonly params: TransformersParams) {
    super(params);
    this.profile = profileFor(params.model);
    // The pooling is part of the id: the same weights pooled differently are a different vector space.
    this.modelId = `tf-${params.model.replace(/[^A-Za-z0-9._-]+/g, '_')}-${this.profile.pooling}`;
    this.workerCount = params.workers ?? Math.min(4, os.availableParallelism());
    const workerData = { model: params.model, modelsDir: params.modelsDir, quantized: params.quantized ?? true };
    this.workers = new WorkerPool(
      this.workerCount,
      () => new Worker(new URL('./transformers.worker.mjs', import.meta.url), { workerData }),
      params.idleMs ?? 5000,
    );
  }

  /** Loads the model on this thread (once). Rejects when the files are not in modelsDir. */
  load(): Promise<BertOnnx> {
    this.encoder ??= BertOnnx.load({
      model: this.params.model,
      modelsDir: this.params.modelsDir,
      lean: true,
      ...(this.params.questionThreads ? { threads: this.params.questionThreads } : {}),
      ...(this.params.quantized === undefined ? {} : { quantized: this.params.quantized }),
    });
    this.encoder.catch(() => (this.encoder = undefined));
    return this.encoder;
  }

  async embedQuery(text: string): Promise<number[]> {
    const [v] = await (await this.load()).embed([text], 'query');
    return Array.from(v!);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    if (this.workerCount === 0 || texts.length < WORKER_THRESHOLD) {
      const encoder = await this.load();
      return (await this.caller.call(() => encoder.embed(texts, 'document'))).map((v) => Array.from(v));
    }
    return this.embedInWorkers(texts);
  }

  /** Batches across the worker pool; each worker has a one-thread onnxruntime session. */
  private async embedInWorkers(texts: string[]): Promise<number[][]> {
    const jobs: { texts: string[] }[] = [];
    for (let i = 0; i < texts.length; i += WORKER_BATCH) jobs.push({ texts: texts.slice(i, i + WORKER_BATCH) });
    const results = await this.workers.run(jobs, (r: { vectors: Float32Array[] }) => r.vectors);
    return results.flat().map((v) => Array.from(v));
  }

  /** Stops the worker threads (each holds its own model copy); the next bulk call starts new ones. */
  dispose(): Promise<void> {
    return this.workers.dispose();
  }
}
