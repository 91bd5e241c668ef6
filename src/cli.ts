import readline from 'node:readline';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { openApp, type App } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { configureLogging, log } from './log.js';
import { checkQuestion } from './question.js';
import { answerToJson, formatAnswer } from './answer/format.js';
import { formatHits, hitToJson } from './retrieval/format.js';
import { SourceFormatError } from './sources/seed.js';
import { SourceError } from './sources/http.js';
import type { SourceName } from './sources/index.js';
import { ingestFrom, ingestSeed } from './jobs/update.js';
import { fetchModelCommand } from './cli/fetch-model.js';
import { ModelFetchError } from './retrieval/model-files.js';

/** An error whose message is for the user as it is: printed without a stack trace. */
export class UserError extends Error {}

const positiveInt = (max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
  return n;
};

async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const config = loadConfig();
  configureLogging(config);
  const app = await openApp(config, log);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

async function readLines(input: NodeJS.ReadableStream, onLine: (line: string) => Promise<void>): Promise<void> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) await onLine(line);
}

export function buildCli(): Command {
  const program = new Command('paperbot')
    .description('A library of trending research papers that answers questions with citations.')
    .showHelpAfterError('(run "paperbot --help" for the commands)')
    .exitOverride();

  program
    .command('ingest')
    .description('parse, store, embed and index papers (incremental: unchanged papers are skipped)')
    .addOption(new Option('--source <name>', 'where papers come from').choices(['seed', 'hf', 'arxiv']).default('seed'))
    .option('--seed <file>', 'Daily Papers page to ingest (default: SEED_FILE, seeds/daily-papers.txt)')
    .option('--date <YYYY-MM-DD>', 'with --source hf: the day (default: today, UTC)')
    .option('--query <query>', 'with --source arxiv: the search query, e.g. "cat:cs.CV"')
    .option('--max <n>', 'with --source arxiv: how many papers', positiveInt(200), 50)
    .action(async (opts: { source: SourceName; seed?: string; date?: string; query?: string; max: number }) => {
      if (opts.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new UserError(`--date must be YYYY-MM-DD, got "${opts.date}"`);
      await withApp(async (app) =>
        console.log(
          await ingestFrom(app, {
            source: opts.source,
            ...(opts.seed ? { seed: opts.seed } : {}),
            ...(opts.date ? { date: opts.date } : {}),
            ...(opts.query ? { query: opts.query } : {}),
            max: opts.max,
          }),
        ),
      );
    });

  program
    .command('search')
    .description('rank the papers for a question')
    .argument('[question]', 'the question (or use --stdin)')
    .option('-k, --k <n>', 'number of papers', positiveInt(100), 5)
    .option('--json', 'print JSON: [{ id, title, score, url?, passages: [{ text, score }] }]')
    .option('--stdin', 'read one question per line, print one JSON array per line (JSON Lines)')
    .action(async (question: string | undefined, opts: { k: number; json?: boolean; stdin?: boolean }) => {
      if (opts.stdin && question !== undefined) throw new UserError('give either a question or --stdin, not both');
      if (!opts.stdin) {
        const q = checkQuestion(question);
        if (!q.ok) throw new UserError(q.message);
        await withApp(async (app) => {
          const hits = await app.retriever.search(q.question, { k: opts.k });
          console.log(opts.json ? JSON.stringify(hits.map(hitToJson)) : formatHits(hits));
        });
        return;
      }
      await withApp(async (app) => {
        await readLines(process.stdin, async (line) => {
          const q = checkQuestion(line);
          if (!q.ok) {
            process.stdout.write(`${JSON.stringify({ error: q.message })}\n`);
            return;
          }
          const hits = await app.retriever.search(q.question, { k: opts.k });
          process.stdout.write(`${JSON.stringify(hits.map(hitToJson))}\n`);
        });
      });
    });

  program
    .command('ask')
    .description('answer a question with numbered citations (refuses when the library has no evidence)')
    .argument('[question]', 'the question (or use --stdin)')
    .option('--json', 'print JSON: { answer, citations: [{ n, id, title, url? }], evidence: [{ n, text }], refused }')
    .option('--stdin', 'read one question per line, print one JSON object per line (JSON Lines)')
    .action(async (question: string | undefined, opts: { json?: boolean; stdin?: boolean }) => {
      if (opts.stdin && question !== undefined) throw new UserError('give either a question or --stdin, not both');
      if (!opts.stdin) {
        const q = checkQuestion(question);
        if (!q.ok) throw new UserError(q.message);
        await withApp(async (app) => {
          const a = await app.chain.ask(q.question);
          console.log(opts.json ? JSON.stringify(answerToJson(a)) : formatAnswer(a));
        });
        return;
      }
      await withApp(async (app) => {
        await readLines(process.stdin, async (line) => {
          const q = checkQuestion(line);
          const out = q.ok ? answerToJson(await app.chain.ask(q.question)) : { error: q.message };
          process.stdout.write(`${JSON.stringify(out)}\n`);
        });
      });
    });

  const evalCmd = program.command('eval').description('measure retrieval quality');
  evalCmd
    .command('seeds')
    .description('Recall@1/@3 per question kind on the seed question set, for lexical, dense and fused rankings')
    .option('--questions <file>', 'question set (JSON)', 'eval/seed-questions.json')
    .option('--json', 'print JSON')
    .action(async (opts: { questions: string; json?: boolean }) => {
      const { evalSeeds, formatSeedEval } = await import('./eval/seeds.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        const result = await evalSeeds(app.retriever, opts.questions);
        console.log(opts.json ? JSON.stringify(result) : formatSeedEval(result));
      });
    });
  evalCmd
    .command('questions')
    .description('paraphrase / several-paper recall and refusals on eval/questions.json (report the heldout split)')
    .option('--questions <file>', 'question set (JSON)', 'eval/questions.json')
    .addOption(new Option('--split <split>', 'which half').choices(['tune', 'heldout', 'all']).default('heldout'))
    .option('--json', 'print JSON')
    .action(async (opts: { questions: string; split: 'tune' | 'heldout' | 'all'; json?: boolean }) => {
      const { evalQuestions, formatQuestionEval } = await import('./eval/questions.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        const result = await evalQuestions(app.chain, app.retriever, opts.questions, opts.split);
        console.log(opts.json ? JSON.stringify(result) : formatQuestionEval(result));
      });
    });
  evalCmd
    .command('fusion')
    .description('fit the fusion weights: score a grid of settings on SciFact train, the tune half of eval/questions.json and the literal seed questions')
    .option('--scifact <dir>', 'BEIR SciFact folder (corpus.jsonl, queries.train.jsonl, qrels/train.tsv)', '../shared/data/scifact')
    .option('--questions <file>', 'question set (JSON)', 'eval/questions.json')
    .addOption(new Option('--split <split>', 'which half to score (fit on tune only)').choices(['tune', 'heldout', 'all']).default('tune'))
    .action(async (opts: { scifact: string; questions: string; split: 'tune' | 'heldout' | 'all' }) => {
      const { runFusionSweep } = await import('./eval/run-sweep.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        console.log(await runFusionSweep(app, opts));
      });
    });
  evalCmd
    .command('refusal')
    .description('fit the refusal thresholds on the tune half of eval/questions.json and the older seed set; prints every signal')
    .option('--questions <file>', 'question set (JSON)', 'eval/questions.json')
    .action(async (opts: { questions: string }) => {
      const { fitRefusal } = await import('./eval/answers.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        console.log(await fitRefusal(app.chain, app.retriever, opts.questions, 'eval/seed-questions.json'));
      });
    });
  evalCmd
    .command('answers')
    .description('refusal precision/recall, first-citation accuracy and answer latency on the seed question set')
    .option('--questions <file>', 'question set (JSON)', 'eval/seed-questions.json')
    .option('--json', 'print JSON')
    .action(async (opts: { questions: string; json?: boolean }) => {
      const { evalAnswers, formatAnswerEval } = await import('./eval/answers.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        const result = await evalAnswers(app.chain, app.retriever, opts.questions);
        console.log(opts.json ? JSON.stringify(result) : formatAnswerEval(result));
      });
    });
  evalCmd
    .command('topics')
    .description('topic-subscription matching: precision/recall of the thresholds, and the F1-best calibration')
    .option('--questions <file>', 'question set (JSON)', 'eval/seed-questions.json')
    .action(async (opts: { questions: string }) => {
      const { evalTopics } = await import('./eval/topics.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        console.log(JSON.stringify(await evalTopics(app.retriever, opts.questions), null, 1));
      });
    });
  evalCmd
    .command('beir')
    .description('nDCG@10 and Recall@100 on a BEIR data set, for lexical, dense and fused rankings')
    .requiredOption('--corpus <file>', 'corpus.jsonl')
    .requiredOption('--queries <file>', 'queries.jsonl')
    .requiredOption('--qrels <file>', 'qrels .tsv')
    .option('--json', 'print JSON: { lexical, dense, fused } each { ndcg10, recall100, queries }')
    .addOption(new Option('--sweep', 'also print nDCG@10 of fused rankings over a grid of fusion weights'))
    .action(async (opts: { corpus: string; queries: string; qrels: string; json?: boolean; sweep?: boolean }) => {
      const { runBeirEval } = await import('./eval/run-beir.js');
      await runBeirEval(opts);
    });

  program
    .command('start')
    .description('run the bot (DISCORD_TOKEN set) or an interactive terminal session over the library')
    .action(async () => {
      const { start } = await import('./start.js');
      await start();
    });

  const digest = program.command('digest').description('the daily trending-papers post');
  digest
    .command('preview')
    .description('print the post that would go out, without posting or marking anything as posted')
    .option('--channel <id>', 'as this subscribed channel would get it (skips papers it has seen)')
    .addOption(new Option('--source <name>', 'where trending papers come from').choices(['seed', 'hf']))
    .option('--date <YYYY-MM-DD>', 'the day (default: today, UTC)')
    .option('--count <n>', 'papers in the post', positiveInt(10))
    .option('--json', 'print JSON: { header, papers: [{ id, title, summary, url, upvotes?, code? }] }')
    .action(async (opts: { channel?: string; source?: 'seed' | 'hf'; date?: string; count?: number; json?: boolean }) => {
      if (opts.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new UserError(`--date must be YYYY-MM-DD, got "${opts.date}"`);
      const { prepareDigest } = await import('./jobs/digest.js');
      const { today } = await import('./sources/index.js');
      await withApp(async (app) => {
        if (app.store.count() === 0) await ingestSeed(app);
        const sub = opts.channel ? app.digests.subscription(opts.channel) : undefined;
        const d = await prepareDigest(
          app,
          { source: opts.source ?? sub?.source ?? 'seed', count: opts.count ?? sub?.count ?? 5, ...(opts.channel ? { channelId: opts.channel } : {}) },
          opts.date ?? today(),
        );
        if (opts.json) console.log(JSON.stringify(d));
        else
          console.log(
            [
              d.header,
              '',
              ...d.papers.map(
                (p, i) =>
                  `${i + 1}. ${p.title}${p.upvotes !== undefined ? ` (▲ ${p.upvotes})` : ''}\n   ${p.summary}${p.url ? `\n   ${p.url}` : ''}${p.code ? `\n   code: ${p.code}` : ''}`,
              ),
            ].join('\n'),
          );
      });
    });

  program.addCommand(fetchModelCommand());

  program
    .command('deploy-commands')
    .description('register the slash commands with Discord (global, or in DISCORD_GUILD_ID)')
    .action(async () => {
      const { deployCommands } = await import('./bot/deploy.js');
      const config = loadConfig();
      if (!config.DISCORD_TOKEN) throw new UserError('DISCORD_TOKEN is not set (see .env.example)');
      console.log(`registered ${await deployCommands(config, log)} commands`);
    });

  return program;
}

/** Runs the CLI; every expected failure is one clear line on stderr and a non-zero exit code. */
export async function main(argv = process.argv): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed the message
    if (
      err instanceof UserError ||
      err instanceof ConfigError ||
      err instanceof SourceFormatError ||
      err instanceof SourceError ||
      err instanceof ModelFetchError
    ) {
      console.error(`paperbot: ${err.message}`);
      return 2;
    }
    console.error(`paperbot: ${(err as Error).message ?? err}`);
    if (process.env.DEBUG) console.error(err);
    return 1;
  }
}
