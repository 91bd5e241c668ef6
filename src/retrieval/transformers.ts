import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';

export interface TransformersParams extends EmbeddingsParams {
  /** Hugging Face model id, e.g. `Xenova/all-MiniLM-L6-v2`, looked up as `<modelsDir>/<model>/`. */
  model: string;
  /** Local model folder; also where a downloaded model is cached. */
  modelsDir: string;
  /** May the model be fetched from the Hugging Face Hub once (then cached in modelsDir)? */
  allowRemote: boolean;
  /** Use the quantized ONNX weights (`onnx/model_quantized.onnx`) – the library's default. */
  quantized?: boolean;
  batchSize?: number;
}

type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<{ tolist(): number[][] }>;

/**
 * Sentence embeddings with @xenova/transformers (ONNX runtime, mean pooling, L2-normalised) as a
 * LangChain `Embeddings`. (`@langchain/community`'s HuggingFaceTransformersEmbeddings wraps the newer
 * `@huggingface/transformers` package and has no local-folder option, so it does not fit here.)
 */
export class TransformersEmbeddings extends Embeddings {
  readonly modelId: string;
  private extractor?: Promise<Extractor>;
  private readonly params: TransformersParams;

  constructor(params: TransformersParams) {
    super(params);
    this.params = params;
    this.modelId = `tf-${params.model.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  }

  /** Loads the model (once). Rejects when it is neither in modelsDir nor downloadable. */
  load(): Promise<Extractor> {
    this.extractor ??= (async () => {
      const { pipeline, env } = await import('@xenova/transformers');
      env.localModelPath = this.params.modelsDir;
      env.cacheDir = this.params.modelsDir;
      env.allowLocalModels = true;
      env.allowRemoteModels = this.params.allowRemote;
      const pipe = await pipeline('feature-extraction', this.params.model, { quantized: this.params.quantized ?? true });
      return pipe as unknown as Extractor;
    })();
    this.extractor.catch(() => (this.extractor = undefined));
    return this.extractor;
  }

  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0]!;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const extract = await this.load();
    const size = this.params.batchSize ?? 16;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += size) {
      const batch = texts.slice(i, i + size);
      const tensor = await this.caller.call(() => extract(batch, { pooling: 'mean', normalize: true }));
      out.push(...tensor.tolist());
    }
    return out;
  }
}
