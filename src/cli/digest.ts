import { Command, Option } from 'commander';
import type { Digest } from '../digest/digest.js';
import { day, positiveInt, withApp } from './shared.js';

/** Loaded when a command runs, not when the CLI starts. */
const ingestSeed = async (...args: Parameters<typeof import('../jobs/update.js').ingestSeed>) => (await import('../jobs/update.js')).ingestSeed(...args);

/** `paperbot digest preview`: the daily post as it would go out, posting nothing. */
export function digestCommand(): Command {
  const digest = new Command('digest').description('the daily trending-papers post');
  digest
    .command('preview')
    .description('print the post that would go out, without posting or marking anything as posted')
    .option('--channel <id>', 'as this subscribed channel would get it (skips papers it has seen)')
    .addOption(new Option('--source <name>', 'where trending papers come from').choices(['seed', 'hf']))
    .option('--date <YYYY-MM-DD>', 'the day (default: today, UTC)', day)
    .option('--count <n>', 'papers in the post', positiveInt(10))
    .option('--json', 'print JSON: { header, papers: [{ id, title, summary, url, upvotes?, code? }] }')
    .action(async (opts: { channel?: string; source?: 'seed' | 'hf'; date?: string; count?: number; json?: boolean }) => {
      const { prepareDigest } = await import('../jobs/digest.js');
      const { today } = await import('../sources/index.js');
      await withApp(async (app) => {
        if ((await app.store.count()) === 0) await ingestSeed(app);
        const sub = opts.channel ? await app.digests.subscription(opts.channel) : undefined;
        const d = await prepareDigest(
          app,
          { source: opts.source ?? sub?.source ?? 'seed', count: opts.count ?? sub?.count ?? 5, ...(opts.channel ? { channelId: opts.channel } : {}) },
          opts.date ?? today(),
        );
        console.log(opts.json ? JSON.stringify(d) : formatDigest(d));
      });
    });
  return digest;
}

/** The post as plain text for a terminal. */
export function formatDigest(d: Digest): string {
  const paper = (p: Digest['papers'][number], i: number) =>
    [
      `${i + 1}. ${p.title}${p.upvotes !== undefined ? ` (▲ ${p.upvotes})` : ''}`,
      `   ${p.summary}`,
      ...(p.url ? [`   ${p.url}`] : []),
      ...(p.code ? [`   code: ${p.code}`] : []),
    ].join('\n');
  return [d.header, '', ...d.papers.map(paper)].join('\n');
}
