import type { Embeddings } from '@langchain/core/embeddings';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { TransformersEmbeddings } from './transformers.js';
import { UseLiteEmbeddings } from './use-lite.js';

/** An Embeddings implementation that also names its model, so each model gets its own vector index. */
export type NamedEmbeddings = Embeddings & { readonly modelId: string };

/**
 * The configured embeddings, loaded and ready. `transformers` falls back to USE-lite (which ships
 * with the package) when its model cannot be loaded, saying so in one log line.
 */
export async function createEmbeddings(config: Config, log: Logger): Promise<NamedEmbeddings> {
  if (config.EMBEDDINGS === 'transformers') {
    const tf = new TransformersEmbeddings({
      model: config.EMBEDDING_MODEL,
      modelsDir: config.MODELS_DIR,
      allowRemote: config.ALLOW_REMOTE_MODELS,
    });
    try {
      await tf.load();
      return tf;
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      log.warn(`embedding model "${config.EMBEDDING_MODEL}" could not be loaded (${reason}); falling back to the bundled Universal Sentence Encoder lite`);
    }
  }
  return new UseLiteEmbeddings(config.EMBED_WORKERS === undefined ? {} : { workers: config.EMBED_WORKERS });
}
