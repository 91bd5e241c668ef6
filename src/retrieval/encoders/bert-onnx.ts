import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modelFolder } from './model-files.js';
import { type EncoderProfile, profileFor } from './profiles.js';

export interface BertOnnxOptions {
  /** Model id, read from `<modelsDir>/<id>/` (tokenizer.json, onnx/model_quantized.onnx). */
  model: string;
  modelsDir: string;
  /** onnxruntime intra-op threads (default: cores, at most 4). */
  threads?: number;
  /**
   * No memory arena or memory-pattern planning: ~30 MB less resident memory for a long-lived session
   * (measured: +55 MB instead of +85 MB once loaded), 1–4 % slower per call. Bulk workers, which
   * stop when idle, keep the arena.
   */
  lean?: boolean;
  /** Pad lengths to multiples of this (default 32; 1 = exact lengths, which `npm run bench` compares). */
  bucket?: number;
  quantized?: boolean;
}

type Tokenizer = { encode(text: string): number[] };
type OrtTensor = { data: Float32Array; dims: number[] };
type Session = { inputNames: string[]; run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>> };
type Ort = { InferenceSession: { create(path: string, o: object): Promise<Session> }; Tensor: new (t: string, d: BigInt64Array, dims: number[]) => unknown };

/**
 * Sequence lengths are padded to a multiple of this (masked in attention). Not for speed: an early
 * prototype seemed to show buckets 2.5× faster, but it had padded every text to 512 tokens (the
 * tokenizer pads to `max_length` when given one); measured properly, exact lengths are 5–15 % faster
 * (`npm run bench` prints both). Buckets stay because int8 *dynamic* quantization takes its scale over
 * the padded input, so padding moves vectors (cosine ≈ 0.994 on a short text), and the fusion weight,
 * the refusal thresholds and every README figure were fitted and measured with these vectors: with
 * exact lengths "What is CLIP?" fell under the refusal thresholds (before a named paper went first).
 * Switching means refitting both.
 */
const BUCKET = 32;

/**
 * A BERT-style ONNX sentence encoder: the tokenizer of @xenova/transformers (its tokenizer.json
 * reader) and an onnxruntime-node session we create ourselves, so the thread count is ours to set.
 * Returns L2-normalised vectors.
 */
export class BertOnnx {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly session: Session,
    private readonly ort: Ort,
    readonly profile: EncoderProfile,
    private readonly bucket: number,
  ) {}

  static async load(opts: BertOnnxOptions): Promise<BertOnnx> {
    const folder = modelFolder(opts.modelsDir, opts.model);
    const file = path.join(folder, 'onnx', opts.quantized === false ? 'model.onnx' : 'model_quantized.onnx');
    for (const f of [path.join(folder, 'tokenizer.json'), file]) if (!fs.existsSync(f)) throw new Error(`not found: ${f}`);
    // The tokenizer module alone: the package root also loads image and audio code (sharp), ~14 MB.
    const [{ AutoTokenizer }, { env }] = await Promise.all([import('@xenova/transformers/src/tokenizers.js'), import('@xenova/transformers/src/env.js')]);
    env.localModelPath = opts.modelsDir;
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    const tokenizer = (await AutoTokenizer.from_pretrained(opts.model, { local_files_only: true })) as unknown as Tokenizer;
    const ortModule = (await import('onnxruntime-node')) as unknown as { default?: Ort } & Ort;
    const ort = ortModule.default ?? ortModule;
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: opts.threads ?? Math.min(4, os.availableParallelism()),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      ...(opts.lean ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
    });
    return new BertOnnx(tokenizer, session, ort, profileFor(opts.model), opts.bucket ?? BUCKET);
  }

  /** Token ids with [CLS] … [SEP], cut to maxTokens keeping the final [SEP]. */
  tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(text);
    const max = this.profile.maxTokens;
    return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1]!];
  }

  /**
   * Embeds texts (queries get the profile's prefix); vectors come back in input order. One text per
   * onnxruntime call: every (batch, length) pair is a new shape to plan, and batches of 4–16 measured
   * no faster than one at a time once lengths are bucketed.
   */
  async embed(texts: string[], kind: 'query' | 'document'): Promise<Float32Array[]> {
    const prefix = kind === 'query' ? this.profile.queryPrefix : '';
    const out: Float32Array[] = [];
    for (const text of texts) {
      const ids = this.tokenize(prefix + text);
      const length = Math.min(this.profile.maxTokens, Math.ceil(ids.length / this.bucket) * this.bucket);
      out.push((await this.run([ids], length))[0]!);
    }
    return out;
  }

  private async run(batch: number[][], T: number): Promise<Float32Array[]> {
    const B = batch.length;
    const ids = new BigInt64Array(B * T);
    const mask = new BigInt64Array(B * T);
    for (const [b, seq] of batch.entries()) {
      for (const [t, id] of seq.entries()) {
        ids[b * T + t] = BigInt(id);
        mask[b * T + t] = 1n;
      }
    }
    const { Tensor } = this.ort;
    const feeds: Record<string, unknown> = { input_ids: new Tensor('int64', ids, [B, T]), attention_mask: new Tensor('int64', mask, [B, T]) };
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new Tensor('int64', new BigInt64Array(B * T), [B, T]);
    const result = await this.session.run(feeds);
    const hidden = result.last_hidden_state ?? Object.values(result)[0]!;
    const D = hidden.dims[2]!;
    return batch.map((seq, b) => {
      const v = new Float32Array(D);
      const base = b * T * D;
      if (this.profile.pooling === 'cls') v.set(hidden.data.subarray(base, base + D));
      else {
        for (let t = 0; t < seq.length; t++) for (let d = 0; d < D; d++) v[d]! += hidden.data[base + t * D + d]!;
        for (let d = 0; d < D; d++) v[d]! /= seq.length;
      }
      let norm = 0;
      for (let d = 0; d < D; d++) norm += v[d]! * v[d]!;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < D; d++) v[d]! /= norm;
      return v;
    });
  }
}
