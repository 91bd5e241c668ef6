import path from 'node:path';
import { Command, Option } from 'commander';
import { withApp } from './shared.js';

/** Loaded when a command runs, not when the CLI starts. */
const ingestSeed = async (...args: Parameters<typeof import('../jobs/update.js').ingestSeed>) => (await import('../jobs/update.js')).ingestSeed(...args);

/** `paperbot eval …`: the measurements behind README's figures, and the fitting commands. */
export function evalCommand(): Command {
  const evalCmd = new Command('eval').description('measure retrieval and answer quality; fit fusion and refusal');
  retrievalEvals(evalCmd);
  answerEvals(evalCmd);
  fittingCommands(evalCmd);
  return evalCmd;
}

/** Does the right paper come first? */
function retrievalEvals(evalCmd: Command): void {
  evalCmd
    .command('seeds')
    .description('Recall@1/@3 per question kind on the seed question set, for lexical, dense and fused rankings')
    .option('--questions <file>', 'question set (JSON)', 'eval/seed-questions.json')
    .option('--json', 'print JSON')
    .action(async (opts: { questions: string; json?: boolean }) => {
      const { evalSeeds, formatSeedEval } = await import('../eval/seeds.js');
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
      const { evalQuestions, formatQuestionEval } = await import('../eval/questions.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        const result = await evalQuestions(app.chain, app.retriever, opts.questions, opts.split);
        console.log(opts.json ? JSON.stringify(result) : formatQuestionEval(result));
      });
    });
  evalCmd
    .command('topics')
    .description('topic-subscription matching: precision/recall of the thresholds, and the F1-best calibration')
    .option('--questions <file>', 'question set (JSON)', 'eval/seed-questions.json')
    .action(async (opts: { questions: string }) => {
      const { evalTopics } = await import('../eval/topics.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        console.log(JSON.stringify(await evalTopics(app.retriever, opts.questions), null, 1));
      });
    });
}

/** Is the answer right, and refused when it should be? */
function answerEvals(evalCmd: Command): void {
  evalCmd
    .command('details')
    .description('detail questions and two-turn follow-ups on eval/details.json: is the detail asked in the answer? (report the heldout split)')
    .option('--questions <file>', 'question set (JSON)', 'eval/details.json')
    .addOption(new Option('--split <split>', 'which half').choices(['tune', 'heldout', 'all']).default('heldout'))
    .option('--misses', 'print the questions whose answer lacks the detail')
    .option('--json', 'print JSON')
    .action(async (opts: { questions: string; split: 'tune' | 'heldout' | 'all'; misses?: boolean; json?: boolean }) => {
      const { evalDetails, formatDetailEval } = await import('../eval/details.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        const result = await evalDetails(app.chain, opts.questions, opts.split);
        console.log(opts.json ? JSON.stringify(result) : formatDetailEval(result, opts.misses));
      });
    });
  evalCmd
    .command('fulltext')
    .description('full-text answers: add the papers of a folder with their full text, then ask eval/fulltext-questions.json (report the heldout split)')
    .requiredOption('--papers <dir>', 'folder of arXiv HTML papers (.html/.xhtml), e.g. ../shared/data/fulltext/acl2014-latexml')
    .option('--questions <file>', 'question set (JSON)', 'eval/fulltext-questions.json')
    .addOption(new Option('--split <split>', 'which half').choices(['tune', 'heldout', 'all']).default('heldout'))
    .option('--misses', 'print the questions answered wrongly')
    .option('--json', 'print JSON')
    .action(async (opts: { papers: string; questions: string; split: 'tune' | 'heldout' | 'all'; misses?: boolean; json?: boolean }) => {
      const [{ documentsIn, evalFullText, formatFullTextEval, loadFullTextQuestions }, { addToLibrary }] = await Promise.all([
        import('../eval/fulltext.js'),
        import('../jobs/add.js'),
      ]);
      await withApp(async (app) => {
        const ids = new Map<string, string>();
        const addMs: number[] = [];
        for (const file of documentsIn(opts.papers)) {
          const t = performance.now();
          ids.set(path.parse(file).name, (await addToLibrary(app, file)).paperId);
          addMs.push(performance.now() - t);
        }
        const result = await evalFullText(app.chain, loadFullTextQuestions(opts.questions, opts.split), ids, opts.split);
        const adds = `${ids.size} papers added with their full text; slowest add ${Math.max(...addMs).toFixed(0)} ms, median ${[...addMs].sort((a, b) => a - b)[addMs.length >> 1]?.toFixed(0)} ms`;
        console.log(opts.json ? JSON.stringify({ ...result, addMs }) : `${adds}\n${formatFullTextEval(result, opts.misses)}`);
      });
    });
  evalCmd
    .command('answers')
    .description('refusal precision/recall, first-citation accuracy and answer latency on the seed question set')
    .option('--questions <file>', 'question set (JSON)', 'eval/seed-questions.json')
    .option('--json', 'print JSON')
    .action(async (opts: { questions: string; json?: boolean }) => {
      const { evalAnswers, formatAnswerEval } = await import('../eval/answers.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        const result = await evalAnswers(app.chain, app.retriever, opts.questions);
        console.log(opts.json ? JSON.stringify(result) : formatAnswerEval(result));
      });
    });
}

/** The settings fitted on the tune halves, and the public benchmark they are checked on. */
function fittingCommands(evalCmd: Command): void {
  evalCmd
    .command('fusion')
    .description('fit the fusion weights: score a grid of settings on SciFact train, the tune half of eval/questions.json and the literal seed questions')
    .option('--scifact <dir>', 'BEIR SciFact folder (corpus.jsonl, queries.train.jsonl, qrels/train.tsv)', '../shared/data/scifact')
    .option('--questions <file>', 'question set (JSON)', 'eval/questions.json')
    .addOption(new Option('--split <split>', 'which half to score (fit on tune only)').choices(['tune', 'heldout', 'all']).default('tune'))
    .action(async (opts: { scifact: string; questions: string; split: 'tune' | 'heldout' | 'all' }) => {
      const { runFusionSweep } = await import('../eval/run-sweep.js');
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
      const { fitRefusal } = await import('../eval/answers.js');
      await withApp(async (app) => {
        await ingestSeed(app);
        console.log(await fitRefusal(app.chain, app.retriever, opts.questions, 'eval/seed-questions.json'));
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
      const { runBeirEval } = await import('../eval/run-beir.js');
      await runBeirEval(opts);
    });
}
