import { randomUUID } from 'node:crypto';
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
      // --stdin is one session, as a DM is: "how many boxes does it have?" follows the line before.
      // Its own id each run: conversations are kept in the database, and a later run starts afresh.
      const session = `cli-stdin-${randomUUID()}`;
      await questionOrStdin(question, opts, async (app, q) => {
        const a = await app.chain.ask(q, opts.stdin ? session : undefined);
        return { json: answerToJson(a), text: formatAnswer(a) };
      });
    });
}
