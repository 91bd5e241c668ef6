import { UserFacingError } from '../errors.js';
import readline from 'node:readline';
import { InvalidArgumentError } from 'commander';
import type { App } from '../app.js';
import { checkQuestion } from '../question.js';

/** An error whose message is for the user as it is: printed without a stack trace, exit code 2. */
export class UserError extends UserFacingError {}

/** A commander parser for a whole number from 1 to `max`. */
export const positiveInt = (max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
  return n;
};

/** A commander parser for a day, YYYY-MM-DD. */
export const day = (v: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw new InvalidArgumentError(`expected a day as YYYY-MM-DD, got "${v}"`);
  return v;
};

/** Opens the library for one command and closes it after, whatever happens. */
export async function withApp<T>(fn: (app: App) => Promise<T>, opts: { create?: boolean } = {}): Promise<T> {
  const [{ loadConfig }, { configureLogging, log }] = await Promise.all([import('../config.js'), import('../log.js')]);
  const config = loadConfig();
  configureLogging(config);
  // The library, the encoder and LangChain load only when a command needs them: `--help` and usage
  // errors answer at once.
  const { openApp } = await import('../app.js');
  const app = await openApp(config, log, { leader: false, ...opts });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/**
 * The shape `search` and `ask` share: one question as an argument, or `--stdin` with one question a
 * line and one JSON line out for each (`{"error": ...}` for a line that is not a valid question, so
 * output stays aligned with input).
 */
export async function questionOrStdin(
  question: string | undefined,
  opts: { stdin?: boolean; json?: boolean },
  answer: (app: App, question: string) => Promise<{ json: unknown; text: string }>,
): Promise<void> {
  if (opts.stdin && question !== undefined) throw new UserError('give either a question or --stdin, not both');
  if (!opts.stdin) {
    const q = checkQuestion(question);
    if (!q.ok) throw new UserError(q.message);
    await withApp(
      async (app) => {
        await needsPapers(app);
        const out = await answer(app, q.question);
        console.log(opts.json ? JSON.stringify(out.json) : out.text);
      },
      { create: false },
    );
    return;
  }
  await withApp(
    async (app) => {
      await needsPapers(app);
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of rl) {
        const q = checkQuestion(line);
        const out = q.ok ? (await answer(app, q.question)).json : { error: q.message };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      }
    },
    { create: false },
  );
}

/** Searching an empty library would only say "no matching papers"; say what to do instead. */
async function needsPapers(app: App): Promise<void> {
  if ((await app.store.count()) === 0) throw new UserError(`the library in ${app.config.DATA_DIR} is empty: run "npx paperbot ingest" (or "npm start") first`);
}
