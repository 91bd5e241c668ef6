import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { FakeDiscord } from './helpers/fake-discord.js';

let discord: FakeDiscord;
let dataDir: string;
beforeAll(async () => {
  discord = await new FakeDiscord().start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-bot-'));
});
afterAll(async () => {
  await discord.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the real `npm start` path with DISCORD_TOKEN set (child process)', () => {
  it('connects, registers the commands, ingests, answers /ask, never logs the token, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/paperbot.js', 'start'], {
      env: { ...process.env, DATA_DIR: dataDir, DISCORD_TOKEN: discord.token, DISCORD_API_BASE: discord.apiBase, REGISTER_COMMANDS: '1', LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const put = await discord.waitFor((c) => c.method === 'PUT' && c.path === `/applications/${discord.botId}/commands`, 90_000);
      expect(put.auth).toBe(`Bot ${discord.token}`);
      expect((put.body as { name: string }[]).map((c) => c.name).sort()).toEqual([
        'ask',
        'digest',
        'help',
        'paper',
        'saved',
        'search',
        'similar',
        'subscribe',
        'subscriptions',
        'top',
      ]);
      // Threads, mentions and reactions with no privileged intent (Server Members, Presence, Message Content).
      const PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15);
      expect(discord.identifies.length).toBeGreaterThan(0);
      for (const id of discord.identifies) expect(id.intents & PRIVILEGED).toBe(0);
      expect(discord.identifies[0]!.intents & (1 << 9)).toBeTruthy(); // Guild Messages (mentions; their text needs no intent)
      expect(discord.identifies[0]!.intents & (1 << 10)).toBeTruthy(); // Guild Message Reactions
      expect(put.body[0].contexts).toEqual([0, 1, 2]);

      // It connects first and fills the fresh library after (the bot answers from the first seconds).
      for (const until = Date.now() + 90_000; !/63 new/.test(output) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
      expect(output.indexOf('connected to Discord')).toBeGreaterThan(-1);
      expect(output.indexOf('connected to Discord')).toBeLessThan(output.indexOf('63 new'));
      const i = discord.command('ask', [{ name: 'question', type: 3, value: 'What is LAION-5B?' }]);
      const edit = await discord.waitFor((c) => c.method === 'PATCH' && c.path.includes(`/${i.token}/messages/`), 30_000);
      expect(edit.body.embeds[0].fields[0].value).toMatch(/LAION-5B/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toMatch(/connected to Discord/);
    expect(output).toMatch(/registered slash commands/);
    expect(output).not.toContain(discord.token);
    expect(output).not.toContain(discord.token.split('.').slice(1).join('.'));
  }, 150_000);

  it('SIGTERM after the gateway is lost (Discord gone) still ends the process within seconds', async () => {
    const gone = await new FakeDiscord().start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-gone-'));
    const env = { DATA_DIR: dir, DISCORD_TOKEN: gone.token, DISCORD_API_BASE: gone.apiBase, SHUTDOWN_TIMEOUT_MS: '3000' };
    expect((await runCli(['ingest'], env)).code).toBe(0);
    const child = spawn(process.execPath, ['bin/paperbot.js', 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await gone.waitForShards(1, 60_000);
      await gone.stop();
      await new Promise((r) => setTimeout(r, 1000));
      const t = Date.now();
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code, output.slice(-2000)).not.toBe('hung');
      expect(Date.now() - t).toBeLessThan(8000);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('npm run deploy-commands registers guild-scoped commands from the same definitions', async () => {
    const guild = '222222222222222222';
    const mark = discord.calls.length;
    const r = await runCli(['deploy-commands'], {
      DATA_DIR: dataDir,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_BASE: discord.apiBase,
      DISCORD_GUILD_ID: guild,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/registered 10 commands/);
    const put = await discord.waitFor((c) => c.method === 'PUT' && c.path === `/applications/${discord.botId}/guilds/${guild}/commands`, 5000, mark);
    expect(put.body).toHaveLength(10);
    expect(r.stderr).not.toContain(discord.token);
  }, 60_000);

  it('deploy-commands without a token is one clear message', async () => {
    const r = await runCli(['deploy-commands'], { DATA_DIR: dataDir, DISCORD_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DISCORD_TOKEN is not set/);
  });
});
