import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../src/app.js';
import { ingestSeed } from '../src/cli.js';
import { loadConfig } from '../src/config.js';
import { startBot, type RunningBot } from '../src/discord/bot.js';
import { log } from '../src/log.js';
import { FakeDiscord, type RestCall } from './helpers/fake-discord.js';

const EPHEMERAL = 64;
let discord: FakeDiscord;
let app: App;
let bot: RunningBot;
let dataDir: string;

beforeAll(async () => {
  discord = await new FakeDiscord().start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-discord-'));
  const config = loadConfig({ DATA_DIR: dataDir, DISCORD_TOKEN: discord.token, DISCORD_API_BASE: discord.apiBase, ASK_RATE_LIMIT_PER_MINUTE: '6', LOG_LEVEL: 'silent' });
  app = await openApp(config, log);
  await ingestSeed(app);
  bot = await startBot(app, config, log);
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await app?.close();
  await discord?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);
const original = (token: string) => (c: RestCall) => c.method === 'PATCH' && c.path.includes(`/${token}/messages/`);
const followUp = (token: string) => (c: RestCall) => c.method === 'POST' && c.path.endsWith(`/webhooks/${discord.botId}/${token}`);
const ask = (question: string, user?: ReturnType<FakeDiscord['user']>) => discord.command('ask', [{ name: 'question', type: 3, value: question }], user);

describe('the bot against a loopback Discord', () => {
  it('/ask: deferred at once, then an embed with numbered sources and a "Show evidence" button', async () => {
    const i = ask('What does UnsafeBench find about image safety classifiers?');
    const ack = await discord.waitFor(callback(i.id));
    expect(ack.body.type).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    expect(ack.auth).toBeUndefined(); // interaction callbacks carry no Authorization header
    const edit = await discord.waitFor(original(i.token));
    expect(edit.path).toContain('%40original');
    const embed = edit.body.embeds[0];
    expect(embed.description).toMatch(/\[1\]/);
    expect(embed.fields[0].name).toBe('Sources');
    expect(embed.fields[0].value).toMatch(/\*\*\[1\]\*\* .*UnsafeBench/);
    expect(edit.body.components[0].components[0]).toMatchObject({ label: 'Show evidence', custom_id: expect.stringMatching(/^evidence:/) });
    expect(edit.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it('a refusal looks like one: no citations, closest papers listed as such', async () => {
    const i = ask('How do I bake sourdough bread with a crispy crust?');
    const edit = await discord.waitFor(original(i.token));
    const embed = edit.body.embeds[0];
    expect(embed.description).toMatch(/library has no paper on that/);
    expect(embed.fields[0].name).toMatch(/Closest papers/);
    expect(embed.fields[0].value).toMatch(/dough become a bagel/);
    expect(edit.body.components).toEqual([]);
  });

  it('"Show evidence" replies ephemerally with the quoted passages', async () => {
    const i = ask('What is Matryoshka Representation Learning?');
    const edit = await discord.waitFor(original(i.token));
    const customId = edit.body.components[0].components[0].custom_id;
    const click = discord.interaction('button', { custom_id: customId }, i.user, { ...edit.body, id: '1', channel_id: '900000000000000001', author: { id: discord.botId, username: 'paperbot', discriminator: '0' }, timestamp: new Date().toISOString(), type: 0, attachments: [], mentions: [], mention_roles: [], pinned: false, tts: false, edited_timestamp: null });
    const reply = await discord.waitFor(callback(click.id));
    expect(reply.body.type).toBe(4);
    expect(reply.body.data.flags).toBe(EPHEMERAL);
    expect(reply.body.data.embeds[0].title).toBe('Evidence');
    expect(reply.body.data.embeds[0].fields[0].value).toMatch(/^> /);
  });
});
