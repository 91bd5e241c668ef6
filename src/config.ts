import { UserFacingError } from './errors.js';
import path from 'node:path';
import { z } from 'zod';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
/** Boolean env values: 1/0, true/false, yes/no, on/off (any case); empty means the default. */
const envBool = (fallback: boolean) => z.preprocess(emptyToUndefined, z.stringbool().default(fallback));

export const configSchema = z.object({
  DATA_DIR: z.string().default('./data'),
  SEED_FILE: z.string().default('seeds/daily-papers.txt'),
  /**
   * PostgreSQL (with the pgvector extension) shared by every process and shard: papers, vectors,
   * subscriptions, post history, conversations. Unset: the embedded SQLite file + Vectra under DATA_DIR.
   */
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** `transformers` (an ONNX sentence encoder, bge-small-en-v1.5 by default) or `use-lite` (weak, ships in npm). */
  EMBEDDINGS: z.enum(['use-lite', 'transformers']).default('transformers'),
  EMBEDDING_MODEL: z.string().default('Xenova/bge-small-en-v1.5'),
  /** Folder holding local models (`<folder>/<model id>/...`); `npm run fetch-model` fills it. */
  MODELS_DIR: z.string().default('./models'),
  /** May a missing known model be downloaded from the Hugging Face Hub once (into MODELS_DIR)? */
  ALLOW_REMOTE_MODELS: envBool(true),
  /** Maven repository (or mirror) `paperbot fetch-model` downloads the model from. */
  MAVEN_REPO_URL: z.preprocess(emptyToUndefined, z.url().default('https://repo1.maven.org/maven2')),
  /** Worker threads used to embed during ingest (0 = embed on the main thread). */
  EMBED_WORKERS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(16).optional()),

  /** After SIGTERM/SIGINT (or a shard's manager going away), the process exits within this even if closing hangs. */
  SHUTDOWN_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(100).max(600_000).default(10_000)),
  /** How answers are written: `extractive` (offline default) or an LLM provider. */
  ANSWER_COMPOSER: z.enum(['extractive', 'openai', 'anthropic', 'ollama']).default('extractive'),
  /** An LLM reply slower than this falls back to the extractive answer. */
  LLM_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(100).max(600_000).default(20_000)),
  OPENAI_API_KEY: optionalString,
  /** Any OpenAI-compatible server: llama.cpp, vLLM, LM Studio, Ollama's /v1. */
  OPENAI_BASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  ANTHROPIC_MODEL: z.string().default('claude-3-5-haiku-latest'),
  OLLAMA_BASE_URL: z.preprocess(emptyToUndefined, z.url().default('http://127.0.0.1:11434')),
  OLLAMA_MODEL: z.string().default('llama3.1'),

  /** Hugging Face daily papers API base. */
  HF_API_BASE: z.preprocess(emptyToUndefined, z.url().default('https://huggingface.co')),
  /** arXiv API base. */
  ARXIV_API_BASE: z.preprocess(emptyToUndefined, z.url().default('https://export.arxiv.org')),
  /** arXiv's HTML papers (full text), `<base>/<id>v<N>`. */
  ARXIV_HTML_BASE: z.preprocess(emptyToUndefined, z.url().default('https://arxiv.org/html')),
  /** arXiv's PDFs, `<base>/<id>v<N>`: read when a paper has no HTML version. */
  ARXIV_PDF_BASE: z.preprocess(emptyToUndefined, z.url().default('https://arxiv.org/pdf')),
  /** Largest document `paperbot add` reads (MB): a bigger file is refused before it is read. */
  /** Full texts the leader reads by itself per day (new live papers, the day's digest first); 0: none. */
  FULLTEXT_PER_DAY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(10_000).default(100)),
  /** A question naming one paper that has only its abstract gets the paper read first ("Reading the paper…"). */
  FULLTEXT_ON_DEMAND: envBool(true),
  MAX_DOCUMENT_MB: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1000).default(50)),
  /** Per-attempt timeout of source requests (3 retries with backoff follow). */
  SOURCE_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(100).max(300_000).default(15_000)),

  /** Default source of the daily post: `seed` (offline) or `hf` (Hugging Face daily papers). */
  DIGEST_SOURCE: z.enum(['seed', 'hf']).default('seed'),

  DISCORD_TOKEN: optionalString,
  /** Application id; when unset it is read from the token (its first part is the bot's user id). */
  DISCORD_APP_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{15,25}$/, 'expected a Discord snowflake id')
      .optional(),
  ),
  /** Register commands in this server only (instant), instead of globally. */
  DISCORD_GUILD_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{15,25}$/, 'expected a Discord snowflake id')
      .optional(),
  ),
  /** REST base URL handed to discord.js as `rest.api` (a REST proxy, or a test server). */
  DISCORD_API_BASE: z.preprocess(emptyToUndefined, z.url().default('https://discord.com/api')),
  /**
   * Run the bot as discord.js shards, one process each, under a ShardingManager: \`auto\` (the count
   * Discord recommends) or a number. Needs DATABASE_URL when more than one shard runs. Unset: one
   * process, one shard.
   */
  SHARDS: z.preprocess(emptyToUndefined, z.union([z.literal('auto'), z.coerce.number().int().min(1).max(10_000)]).optional()),
  /**
   * The shards this machine runs, of SHARDS (a number) in all: e.g. \`0,1\` here and \`2,3\` on a
   * second machine with SHARDS=4. Unset: all of them.
   */
  SHARD_LIST: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*\d+\s*(,\s*\d+\s*)*$/, 'expected shard ids separated by commas, e.g. 0,1')
      .transform((s) => [...new Set(s.split(',').map((x) => Number(x.trim())))])
      .optional(),
  ),
  /** Register the slash commands when the bot starts. */
  REGISTER_COMMANDS: envBool(false),
  /** Questions per user per minute (/ask and DMs). */
  ASK_RATE_LIMIT_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1000).default(6)),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends UserFacingError {}

/** Validates the environment once; every error names the variable and what was expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // In a shard process discord.js sets SHARDS to the shard's own ids (read by its Client), not a count.
  const { SHARDS: _ids, ...rest } = env;
  const parsed = configSchema.safeParse(env.SHARDING_MANAGER ? rest : env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, DATA_DIR: path.resolve(parsed.data.DATA_DIR), MODELS_DIR: path.resolve(parsed.data.MODELS_DIR) };
}
