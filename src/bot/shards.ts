import { fileURLToPath } from 'node:url';
import { REST, Routes, ShardingManager } from 'discord.js';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../log.js';

const ENTRY = fileURLToPath(new URL('../../bin/paperbot.js', import.meta.url));

/** How many shards: the configured number, or (`auto`) the count Discord recommends for this bot. */
export async function shardCount(config: Config): Promise<number> {
  if (typeof config.SHARDS === 'number') return config.SHARDS;
  const rest = new REST({ api: config.DISCORD_API_BASE }).setToken(config.DISCORD_TOKEN ?? '');
  const { shards } = (await rest.get(Routes.gatewayBot())) as { shards: number };
  return Math.max(1, shards);
}

/**
 * The shard ids this machine runs: SHARD_LIST (several machines split one bot's shards; the total
 * must then be a fixed SHARDS=N, the same everywhere), or all of them.
 */
export function shardsHere(config: Config, total: number): number[] {
  if (!config.SHARD_LIST) return Array.from({ length: total }, (_, i) => i);
  if (typeof config.SHARDS !== 'number')
    throw new ConfigError('SHARD_LIST needs SHARDS set to the number of shards across all machines (the same on each), not "auto".');
  const outside = config.SHARD_LIST.filter((id) => id >= total);
  if (outside.length) throw new ConfigError(`SHARD_LIST has shard ${outside.join(', ')}, but SHARDS=${total} means shards 0 to ${total - 1}.`);
  return [...config.SHARD_LIST].sort((a, b) => a - b);
}

/**
 * glibc malloc settings for a long-lived bot process (ignored elsewhere): `npm start` sets the same,
 * and the manager gives them to its shards. By default glibc raises its mmap threshold after each
 * large free (up to 32 MB), so the buffers onnxruntime allocates to embed a 512-token abstract (0.5–6
 * MB each) end up in the heap and stay resident: a leader that embedded the 63 seed papers while it
 * served stayed at ~290–350 MB (~400–490 MB with bulk workers). Fixed at 512 kB, those buffers go back
 * to the system when freed (peak ~250–265 MB); a short question's stay in the heap. 128 kB was too
 * low: embedding a question took 10 → 15–19 ms; from 256 kB to 4 MB no difference showed, in
 * question or bulk speed. (Measured with throwaway harnesses; `npm run bench:scale` prints the RSS.)
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '524288' };

/**
 * V8 flags for a bot process (`npm start` passes the same). Node 24's V8 grows the young generation
 * to larger semi-spaces than Node 20's, which a bot keeps resident: `paperbot start` on the seed
 * library, ready / after 20 answers / idle, was 264 / 298 / 298 MB by default and 225 / 231 / 231 MB
 * with 8 MB semi-spaces (4 MB: 218 / 227 / 227); /ask latency moved no more than rows the flag
 * does not touch did between runs (`npm run bench -- --quick`).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

/**
 * `SHARDS=auto|N`: discord.js's ShardingManager runs each shard as its own `paperbot start` process
 * (respawned if it dies). Every shard opens the shared library and answers its own servers'
 * interactions; one of them, chosen through PostgreSQL, runs the daily posts and alerts. The
 * embedded library belongs to one process, so more than one shard needs DATABASE_URL.
 */
export async function runShards(config: Config, log: Logger): Promise<ShardingManager> {
  const total = await shardCount(config);
  if (total > 1 && !config.DATABASE_URL)
    throw new ConfigError(
      `SHARDS=${config.SHARDS} means ${total} shard processes, but the embedded library (SQLite + Vectra under DATA_DIR) belongs to one process. ` +
        'Set DATABASE_URL to a PostgreSQL with the pgvector extension (README, "Scaling out"), or unset SHARDS.',
    );
  const shardList = shardsHere(config, total);
  // Shard processes inherit this process's environment; a value set by the operator wins.
  for (const [name, value] of Object.entries(MALLOC_ENV)) process.env[name] ??= value;
  const manager = new ShardingManager(ENTRY, {
    totalShards: total,
    shardList,
    token: config.DISCORD_TOKEN ?? '',
    mode: 'process',
    shardArgs: ['start'],
    execArgv: [...NODE_FLAGS],
    respawn: true,
  });
  manager.on('shardCreate', (shard) => {
    log.info({ shard: shard.id, of: total }, 'shard process started');
    shard.on('death', () => {
      if (manager.respawn) log.warn({ shard: shard.id }, 'shard process exited; respawning');
    });
  });
  await manager.spawn({ amount: total, timeout: 120_000 });
  log.info({ shards: shardList, of: total }, 'all shards ready');
  return manager;
}
