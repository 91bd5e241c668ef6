import { Command } from 'commander';
import { answerToJson, formatAnswer } from '../answer/format.js';
import { questionOrStdin } from './shared.js';

/** `paperbot ask`: a short answer in which every sentence cites a numbered paper. */
export function askCommand(): Command {
  return new Command('ask')
    .description('answer a question with numbered citations (refuses when the library has no evidence)')
    .argument('[question]', 'the question (or use --stdin)')
    .option('--json', 'print JSON: { answer, citations: [{ n, id, title, url? }], evidence: [{ n, text, section?, url? }], refused }')
    .option('--stdin', 'read one question per line, print one JSON object per line (JSON Lines); one conversation, so follow-ups work')
    .action(async (question: string | undefined, opts: { json?: boolean; stdin?: boolean }) => {
      await questionOrStdin(question, opts, async (app, q) => {
        // --stdin is one session, as a DM is: "how many boxes does it have?" follows the line before.
        const a = await app.chain.ask(q, opts.stdin ? `cli-stdin-${process.pid}` : undefined);
        return { json: answerToJson(a), text: formatAnswer(a) };
      });
    });
}
