import readline from 'node:readline';
import { openApp, type App } from './app.js';
import { ingestSeed } from './jobs/update.js';
import { loadConfig, type Config } from './config.js';
import { configureLogging, log } from './log.js';
import { checkQuestion } from './question.js';
import { formatAnswer } from './answer/format.js';
import { formatHits } from './retrieval/format.js';

const HELP = `Commands:
  <question>          a short answer with numbered citations (follow-ups work: "and the second one?")
  ask <question>      same
  search <question>   ranked papers with their best passages
  reset               start a new conversation
  help                this text
  quit                leave (Ctrl-D works too)`;

const DISCORD_HINT = `To run paperbot on Discord: create an application at https://discord.com/developers/applications,
add a bot, copy its token into DISCORD_TOKEN (see .env.example), then run "npm start" again.`;

/** `npm start`: the bot when DISCORD_TOKEN is set, otherwise a terminal session over the same library. */
export async function start(): Promise<void> {
  const config = loadConfig();
  configureLogging(config, { interactive: !config.DISCORD_TOKEN && process.stdin.isTTY === true });
  const t0 = performance.now();
  if (config.DISCORD_TOKEN && config.SHARDS && !process.env.SHARDING_MANAGER) return manageShards(config);
  const app = await openApp(config, log);
  let catchingUp: Promise<void> | undefined;
  let deadline: ReturnType<typeof shutdownDeadline> | undefined;
  try {
    // One process (the leader) keeps the library up to date; the others serve it as it is. On
    // Discord the leader connects first and brings the library up to date after (served as it is
    // meanwhile: a first start fills it within a minute), so the bot answers from the first
    // seconds; the terminal session over an embedded library brings it up to date first.
    const ingestFirst = app.leader.isLeader && !app.backend.shared && !config.DISCORD_TOKEN;
    if (ingestFirst) log.info(await ingestSeed(app));
    else log.info(`${await app.store.count()} papers in the library${app.leader.isLeader ? '' : ' (another process keeps it up to date)'}`);
    await warmUp(app);
    log.info(`ready in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    const catchUp = () => {
      if (!app.leader.isLeader || ingestFirst) return;
      catchingUp = ingestSeed(app).then(
        (report) => log.info(report),
        (err: unknown) => log.error({ err: (err as Error)?.message ?? String(err) }, 'start-up ingest failed'),
      );
    };
    if (!config.DISCORD_TOKEN) {
      catchUp();
      await repl(app, process.stdin, process.stdout);
      return;
    }
    // A stray rejection in some handler must not take the whole bot down: log it and keep serving.
    process.on('unhandledRejection', (err) => log.error({ err: (err as Error)?.message ?? String(err) }, 'unhandled rejection'));
    const { startBot } = await import('./bot/bot.js');
    const bot = await startBot(app, config, log);
    catchUp();
    // Serve until told to stop; then close the gateway and the database cleanly — within the deadline.
    log.info({ why: await stopRequested() }, 'shutting down');
    deadline = shutdownDeadline(config.SHUTDOWN_TIMEOUT_MS, log);
    deadline.step('closing the Discord gateway');
    await bot.stop();
  } finally {
    deadline?.step('waiting for the start-up ingest');
    await catchingUp; // never rejects; the database must stay open until it is done
    deadline?.step('closing the library');
    await app.close();
    deadline?.done();
    // A shard process talks to its manager over an IPC channel, which would keep it alive.
    if (process.connected) process.disconnect();
  }
}

/**
 * Resolves when the process is told to stop: SIGINT, SIGTERM, or — in a shard — its manager's IPC
 * channel closing (a manager killed with -9 must not leave shards connected and holding the lock).
 */
export function stopRequested(proc: NodeJS.Process = process): Promise<string> {
  return new Promise((resolve) => {
    proc.once('SIGINT', () => resolve('SIGINT'));
    proc.once('SIGTERM', () => resolve('SIGTERM'));
    if (!proc.send) return;
    // A manager that died while this shard was still starting closed the channel before anyone listened.
    if (proc.connected === false) resolve('the shard manager is gone');
    else proc.once('disconnect', () => resolve('the shard manager is gone'));
  });
}

/**
 * A bound on shutting down: when closing hangs (the gateway is gone, a close never returns), the
 * process exits anyway after `ms`, logging the step that was cut short.
 */
export function shutdownDeadline(ms: number, logger: Pick<typeof log, 'error' | 'warn'>, exit: (code: number) => void = (code) => process.exit(code)) {
  let current = 'shutting down';
  const timer = setTimeout(() => {
    logger.error({ cutShort: current, afterMs: ms }, `shutdown did not finish within ${ms / 1000} s; exiting anyway`);
    exit(1);
  }, ms);
  timer.unref();
  return {
    step: (name: string) => {
      current = name;
    },
    /**
     * Everything closed. A process that still does not end (discord.js keeps retrying a gateway
     * that is gone) exits a second later; one with nothing left open ends at once by itself.
     */
    done: () => {
      clearTimeout(timer);
      setTimeout(() => {
        logger.warn({}, 'closed, but something kept the process alive; exiting');
        exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      }, LINGER_MS).unref();
    },
  };
}

/** How long a closed process may linger before it is ended. */
const LINGER_MS = 1000;

/** The sharding manager process: it holds no library, it starts and watches the shard processes. */
async function manageShards(config: Config): Promise<void> {
  const { runShards } = await import('./bot/shards.js');
  const manager = await runShards(config, log);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('shutting down the shards');
  manager.respawn = false;
  for (const shard of manager.shards.values()) shard.kill();
}

/** Loads the embedding model before the first question, so the first answer is as fast as the rest. */
export async function warmUp(app: App): Promise<void> {
  await app.chain.ask('warm up');
}

/** The terminal session is one conversation. */
const CONVERSATION = 'terminal';

export async function repl(app: App, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  const interactive = (input as NodeJS.ReadStream).isTTY === true;
  const rl = readline.createInterface({ input, output, terminal: interactive });
  const say = (s: string) => output.write(`${s}\n`);
  say(`paperbot: ${await app.store.count()} papers in the library. Type a question, "help" or "quit".`);
  say(DISCORD_HINT);
  // A prompt only on a terminal: piped output stays one answer after another.
  const prompt = () => interactive && rl.prompt();
  rl.setPrompt('paperbot> ');
  prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    const [cmd, ...rest] = line.split(/\s+/);
    try {
      if (!line) {
        // nothing to do
      } else if (cmd === 'quit' || cmd === 'exit') {
        break;
      } else if (cmd === 'help') {
        say(HELP);
      } else if (cmd === 'reset') {
        await app.chain.conversations.reset(CONVERSATION);
        say('Started a new conversation.');
      } else {
        const search = cmd === 'search';
        const text = search || cmd === 'ask' ? rest.join(' ') : line;
        const q = checkQuestion(text);
        if (!q.ok) say(q.message);
        else if (search) say(formatHits(await app.retriever.search(q.question, { k: 5 })));
        else say(formatAnswer(await app.chain.ask(q.question, CONVERSATION)));
      }
    } catch (err) {
      say(`Something went wrong: ${(err as Error).message}`);
    }
    prompt();
  }
  rl.close();
}
