import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openApp, type App } from '../../src/app.js';
import { ingestSeed } from '../../src/jobs/update.js';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/bot/bot.js';
import { log } from '../../src/log.js';
import { FakeDiscord } from './fake-discord.js';

export interface TestBot {
  discord: FakeDiscord;
  app: App;
  bot: RunningBot;
  close(): Promise<void>;
}

/**
 * The bot in-process on the seed library (real USE-lite), connected to a fresh loopback Discord.
 * `timers: false` leaves the daily-post and topic-alert ticks to the test's own clock.
 */
export async function startTestBot(env: Record<string, string> = {}, opts: { timers?: boolean } = {}): Promise<TestBot> {
  const discord = await new FakeDiscord().start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-bot-'));
  // No full-text reading unless a test asks for it (it would go to arxiv.org).
  const config = loadConfig({
    DATA_DIR: dataDir,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE: discord.apiBase,
    LOG_LEVEL: 'silent',
    FULLTEXT_ON_DEMAND: 'false',
    FULLTEXT_PER_DAY: '0',
    ...env,
  });
  const app = await openApp(config, log);
  await ingestSeed(app);
  const bot = await startBot(app, config, log, opts);
  return {
    discord,
    app,
    bot,
    async close() {
      await bot.stop();
      await app.close();
      await discord.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
