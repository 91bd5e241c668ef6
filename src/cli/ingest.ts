import { Command, Option } from 'commander';
import type { SourceName } from '../sources/index.js';
import { day, positiveInt, withApp } from './shared.js';

/** Loaded when a command runs, not when the CLI starts. */
const ingestFrom = async (...args: Parameters<typeof import('../jobs/update.js').ingestFrom>) => (await import('../jobs/update.js')).ingestFrom(...args);

/** `paperbot ingest`: parse, store, embed and index papers from a source. */
export function ingestCommand(): Command {
  return new Command('ingest')
    .description('parse, store, embed and index papers (incremental: unchanged papers are skipped)')
    .addOption(new Option('--source <name>', 'where papers come from').choices(['seed', 'hf', 'arxiv']).default('seed'))
    .option('--seed <file>', 'Daily Papers page to ingest (default: SEED_FILE, seeds/daily-papers.txt)')
    .option('--date <YYYY-MM-DD>', 'with --source hf: the day (default: today, UTC)', day)
    .option('--query <query>', 'with --source arxiv: the search query, e.g. "cat:cs.CV"')
    .option('--max <n>', 'with --source arxiv: how many papers', positiveInt(200), 50)
    .action(async (opts: { source: SourceName; seed?: string; date?: string; query?: string; max: number }) => {
      const { source, seed, date, query, max } = opts;
      await withApp(async (app) =>
        console.log(await ingestFrom(app, { source, max, ...(seed ? { seed } : {}), ...(date ? { date } : {}), ...(query ? { query } : {}) })),
      );
    });
}
