import { Command } from 'commander';
import { formatHits, hitToJson } from '../retrieval/format.js';
import { positiveInt, questionOrStdin } from './shared.js';

/** `paperbot search`: ranked papers with their best passages. */
export function searchCommand(): Command {
  return new Command('search')
    .description('rank the papers for a question')
    .argument('[question]', 'the question (or use --stdin)')
    .option('-k, --k <n>', 'number of papers', positiveInt(100), 5)
    .option('--json', 'print JSON: [{ id, title, score, url?, passages: [{ text, score }] }]')
    .option('--stdin', 'read one question per line, print one JSON array per line (JSON Lines)')
    .action(async (question: string | undefined, opts: { k: number; json?: boolean; stdin?: boolean }) => {
      await questionOrStdin(question, opts, async (app, q) => {
        const hits = await app.retriever.search(q, { k: opts.k });
        return { json: hits.map(hitToJson), text: formatHits(hits) };
      });
    });
}
