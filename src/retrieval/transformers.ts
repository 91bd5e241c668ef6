import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { BertOnnx, profileFor, type EncoderProfile } from './bert-onnx.js';
import { WorkerPool } from './worker-job.js';

export interface TransformersParams extends EmbeddingsParams {
  /** Model id, e.g. `Xenova/bge-small-en-v1.5`, read from `<modelsDir>/<model>/`. */
  model: string;
  /** Local model folder. */
  modelsDir: string;
  /** Use the quantized ONNX weights (`onnx/model_quantized.onnx`): the default. */
  quantized?: boolean;
  /**
   * Worker threads for bulk documents (0 = everything on the calling thread). Default: cores, at
   * most 4. With workers, questions and small batches go to one more, long-lived thread of their own.
   */
  workers?: number;
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
 * Questions and small batches run in one long-lived worker thread with a one-thread session: an
 * onnxruntime-node 1.14 `run` is synchronous on the thread that calls it, so on the main thread each
 * question blocked the event loop for its ~12 ms (Discord events, and the database queries a search
 * sends alongside, waited behind it). Bulk documents go to worker threads with a one-thread session
 * each: on 2 cores two one-thread sessions beat one two-thread session by ~15 % (20.2 vs 17.5
 * SciFact abstracts/s in the final `npm run bench`, 27 vs 23 earlier the same day: this VM's speed
 * drifts, the ratio held).
 */
export class TransformersEmbeddings extends Embeddings {
  readonly modelId: string;
  readonly profile: EncoderProfile;
  private encoder?: Promise<BertOnnx>;
  private readonly workers: WorkerPool;
  private readonly workerCount: number;
  /** The questions' thread (started on first use, kept: loading the model takes ~0.5 s). */
  private readonly queryThread: WorkerPool;

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
    // Long-lived, so lean (no memory arena), as the calling thread's session was.
    this.queryThread = new WorkerPool(
      1,
      () => new Worker(new URL('./transformers.worker.mjs', import.meta.url), { workerData: { ...workerData, lean: true } }),
      null,
    );
  }

  /**
   * Loads the model (once): on the questions' thread, or on this one without workers. Rejects when
   * the files are not in modelsDir.
   */
  async load(): Promise<void> {
    if (this.workerCount === 0) await this.inline();
    else await this.onQueryThread(['warm-up'], 'query');
  }

  private inline(): Promise<BertOnnx> {
    this.encoder ??= BertOnnx.load({
      model: this.params.model,
      modelsDir: this.params.modelsDir,
      lean: true,
      ...(this.params.quantized === undefined ? {} : { quantized: this.params.quantized }),
    });
    this.encoder.catch(() => (this.encoder = undefined));
    return this.encoder;
  }

  private async onQueryThread(texts: string[], kind: 'query' | 'document'): Promise<number[][]> {
    const [vectors] = await this.queryThread.run([{ texts, kind }], (r: { vectors: Float32Array[] }) => r.vectors);
    return vectors!.map((v) => Array.from(v));
  }

  async embedQuery(text: string): Promise<number[]> {
    if (this.workerCount > 0) return (await this.onQueryThread([text], 'query'))[0]!;
    const [v] = await (await this.inline()).embed([text], 'query');
    return Array.from(v!);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    if (texts.length >= WORKER_THRESHOLD && this.workerCount > 0) return this.embedInWorkers(texts);
    if (this.workerCount > 0) return this.caller.call(() => this.onQueryThread(texts, 'document'));
    const encoder = await this.inline();
    return (await this.caller.call(() => encoder.embed(texts, 'document'))).map((v) => Array.from(v));
  }

  /** Batches across the worker pool; each worker has a one-thread onnxruntime session. */
  private async embedInWorkers(texts: string[]): Promise<number[][]> {
    const jobs: { texts: string[] }[] = [];
    for (let i = 0; i < texts.length; i += WORKER_BATCH) jobs.push({ texts: texts.slice(i, i + WORKER_BATCH) });
    const results = await this.workers.run(jobs, (r: { vectors: Float32Array[] }) => r.vectors);
    return results.flat().map((v) => Array.from(v));
  }

  /** Stops the worker threads (each holds its own model copy); the next call starts new ones. */
  async dispose(): Promise<void> {
    await Promise.all([this.workers.dispose(), this.queryThread.dispose()]);
  }
}
