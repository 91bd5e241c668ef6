import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MALLOC_ENV, NODE_FLAGS, shardsHere } from '../src/bot/shards.js';
import { postNonce } from '../src/digest/digest.js';
import { loadConfig } from '../src/config.js';
import { runCli } from './helpers/cli.js';
import { FakeDiscord } from './helpers/fake-discord.js';
import { makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

// Two shard processes under discord.js's ShardingManager (`SHARDS=auto`, the fake Discord recommends
// 2), one shared PostgreSQL: both answer, the leader is killed just before a daily-post slot and
// the other posts it once, and a paper ingested by another process is found by a shard.
const GUILD = [0n, 1n].map((k) => String(((1000n + k) << 22n) | 12345n)); // shard 0, shard 1
const CHANNEL = '700000000000000777';

/** A bot process's environment: the shared library on `backend`, Discord at the fake. */
const botEnv = (backend: TestBackend, discord: FakeDiscord, more: Record<string, string>): Record<string, string> => ({
  DATA_DIR: backend.dataDir,
  DATABASE_URL: backend.url,
  DISCORD_TOKEN: discord.token,
  DISCORD_API_BASE: discord.apiBase,
  MODELS_DIR: path.resolve('models'),
  ALLOW_REMOTE_MODELS: '0',
  ...more,
});

describe.skipIf(skipBackend('postgres'))('sharded bot on PostgreSQL (child processes)', () => {
  let discord: FakeDiscord;
  let backend: TestBackend;
  let manager: ChildProcess;
  let output = '';
  let env: Record<string, string>;
  let db: pg.Client;

  beforeAll(async () => {
    discord = await new FakeDiscord(2).start();
    backend = await makeBackend('postgres');
    env = botEnv(backend, discord, { LOG_LEVEL: 'info' });
    manager = spawn(process.execPath, ['bin/paperbot.js', 'start'], { env: { ...process.env, ...env, SHARDS: 'auto' }, stdio: ['ignore', 'pipe', 'pipe'] });
    manager.stdout!.on('data', (d: Buffer) => (output += d));
    manager.stderr!.on('data', (d: Buffer) => (output += d));
    await discord.waitForShards(2, 150_000);
    // The leader serves the shared library at once and ingests the seed after: wait for that.
    for (const until = Date.now() + 120_000; !/63 new/.test(output) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
    expect(output).toMatch(/63 new/);
    db = new pg.Client(backend.url);
    await db.connect();
  }, 300_000);

  afterAll(async () => {
    await db?.end();
    if (manager && manager.exitCode === null && manager.signalCode === null) {
      const exited = new Promise((r) => manager.once('exit', r));
      manager.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      fs.writeFileSync('/tmp/shard-output.log', output);
      expect(manager.exitCode, 'the manager exits on SIGTERM').toBe(0);
    }
    await discord?.stop();
    await backend?.drop();
  }, 60_000);

  /** The node pid of the process holding the leader lock (its connection's application_name). */
  async function leaderPid(): Promise<number | undefined> {
    const { rows } = await db.query<{ app: string }>(
      "SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objid = 7245003 AND l.granted",
    );
    const m = rows[0]?.app.match(/pid=(\d+)/);
    return m ? Number(m[1]) : undefined;
  }

  const ask = async (guild: string, question: string) => {
    const i = discord.guildCommand(guild, '700000000000000001', 'ask', [{ name: 'question', type: 3, value: question }]);
    return discord.waitFor((c) => c.method === 'PATCH' && c.path.includes(`/${i.token}/messages/`), 60_000);
  };

  it('discord.js identifies each shard as [id, 2] from the recommended count, and both shards answer /ask', async () => {
    expect(discord.identifies.map((x) => `${x.shard}/${x.of}`).sort()).toEqual(['0/2', '1/2']);
    expect(GUILD.map((g) => discord.shardOf(g, 2))).toEqual([0, 1]);
    // The library is shared: the leader ingested the seed; the other shard answers from it too.
    for (const g of GUILD) {
      const edit = await ask(g, 'What is LAION-5B?');
      expect(edit.body.embeds[0].fields[0].value).toMatch(/LAION-5B/);
    }
  }, 120_000);

  it.runIf(process.platform === 'linux')("shard processes get the manager's glibc malloc setting (large freed buffers given back) and V8 flags", async () => {
    expect(process.env.MALLOC_MMAP_THRESHOLD_, 'the test itself runs without it').toBeUndefined();
    const pid = await leaderPid();
    expect(pid).toBeDefined();
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`MALLOC_MMAP_THRESHOLD_=${MALLOC_ENV.MALLOC_MMAP_THRESHOLD_}`);
    // …and the V8 flags `npm start` runs with (Node 24's larger young generation stays resident otherwise).
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining([...NODE_FLAGS]));
  });

  it('a paper ingested by another process is found by a shard within 5 seconds', async () => {
    const file = path.join(backend.dataDir, 'new.txt');
    fs.writeFileSync(
      file,
      'Zebra Finch Song Learning With Spiking Transformers\n\nWe model how juvenile zebra finches learn to sing from a tutor with a spiking transformer that imitates syllables, and we release hundreds of hours of annotated birdsong recordings with the code.\n',
    );
    const r = await runCli(['ingest', '--seed', file], env);
    expect(r.code, r.stderr).toBe(0);
    const t = Date.now();
    const i = discord.guildCommand(GUILD[1]!, '700000000000000001', 'search', [{ name: 'query', type: 3, value: 'how young songbirds learn to sing' }]);
    const reply = await discord.waitFor((c) => c.method === 'PATCH' && c.path.includes(`/${i.token}/messages/`), 30_000);
    expect(Date.now() - t).toBeLessThan(5000);
    expect(JSON.stringify(reply.body.embeds)).toMatch(/Zebra Finch Song Learning/);
  }, 60_000);

  it('the leader is SIGKILLed: the daily post that comes due is sent by the other shard, once', async () => {
    const first = await leaderPid();
    expect(first).toBeDefined();
    const identified = discord.identifies.length;
    process.kill(first!, 'SIGKILL');
    for (const until = Date.now() + 10_000; fs.existsSync(`/proc/${first}`) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    // A post whose time (this minute, UTC) has come while no process leads, subscribed an hour ago:
    // the shard that takes the lock over runs the due posts at once (no waiting for a clock).
    const now = new Date();
    await db.query(
      "INSERT INTO digest_subscriptions (channel_id, guild_id, time, timezone, count, source, enabled, created_at) VALUES ($1, $2, $3, 'UTC', 3, 'seed', 1, $4)",
      [CHANNEL, GUILD[0], now.toISOString().slice(11, 16), new Date(now.getTime() - 3_600_000).toISOString()],
    );
    const post = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL}/messages`, 120_000);
    expect(post.body.content).toMatch(/^Trending papers/);
    const next = await leaderPid();
    expect(next).toBeDefined();
    expect(next).not.toBe(first);
    // The killed shard is started again and runs its own start-up pass over the due posts: still one post.
    for (const until = Date.now() + 60_000; discord.identifies.length === identified && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
    expect(discord.identifies.length).toBeGreaterThan(identified);
    await discord.waitForShards(2, 60_000);
    // The post is marked sent once Discord's reply reaches the shard that sent it: wait for that, not for a moment.
    let rows: unknown[] = [];
    for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      rows = (await db.query('SELECT status FROM digest_posts WHERE channel_id = $1', [CHANNEL])).rows;
      if (JSON.stringify(rows) === JSON.stringify([{ status: 'sent' }])) break;
    }
    expect(rows).toEqual([{ status: 'sent' }]);
    // One post: its 3 papers' messages, each sent once.
    const sent = discord.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL}/messages`);
    expect(sent.map((c) => String(c.body.nonce).split('-')[1]).sort()).toEqual(['0', '1', '2']);
    expect(output).toMatch(/now runs the daily posts/);
    expect(output).not.toContain(discord.token);
  }, 180_000);
  it('a post claimed by a leader that died after its message reached Discord: the next leader sends it again, and Discord keeps one', async () => {
    const first = await leaderPid();
    const channel = '700000000000000778';
    const now = Date.now();
    const slot = new Date(Math.floor((now - 120_000) / 60_000) * 60_000);
    const day = slot.toISOString().slice(0, 10);
    const ids = (await db.query<{ id: string }>('SELECT id FROM papers ORDER BY id LIMIT 2')).rows.map((r) => r.id);
    await db.query(
      "INSERT INTO digest_subscriptions (channel_id, guild_id, time, timezone, count, source, enabled, created_at) VALUES ($1, $2, $3, 'UTC', 2, 'seed', 1, $4)",
      [channel, GUILD[0], slot.toISOString().slice(11, 16), new Date(slot.getTime() - 86_400_000).toISOString()],
    );
    // What the dead leader left: its claim, never marked sent, and its message, which did reach Discord.
    await db.query("INSERT INTO digest_posts (channel_id, day, status, at, paper_ids) VALUES ($1, $2, 'claimed', $3, $4)", [
      channel,
      day,
      new Date(now - 90_000).toISOString(),
      JSON.stringify(ids),
    ]);
    discord.byNonce.set(`${channel}:${postNonce(channel, day, 0)}`, { id: '1', channel_id: channel });
    process.kill(first!, 'SIGKILL');
    const post = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${channel}/messages`, 60_000);
    expect(post.body).toMatchObject({ nonce: postNonce(channel, day, 0), enforce_nonce: true });
    for (const until = Date.now() + 10_000; Date.now() < until; ) {
      const { rows } = await db.query('SELECT status FROM digest_posts WHERE channel_id = $1', [channel]);
      if (rows[0]?.status === 'sent') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await db.query('SELECT status FROM digest_posts WHERE channel_id = $1', [channel])).rows).toEqual([{ status: 'sent' }]);
    // One message per paper, each once: the first had reached Discord (its nonce returned it), the second was posted now.
    expect([...discord.byNonce.keys()].filter((k) => k.startsWith(`${channel}:`)).sort()).toEqual(
      [0, 1].map((i) => `${channel}:${postNonce(channel, day, i)}`),
    );
    expect(output).toMatch(/never marked sent/);
  }, 120_000);

  // Last: it ends the processes the tests above share.
  it('kill -9 of the manager: both shard processes exit by themselves and free the leader lock', async () => {
    const children = fs.readFileSync(`/proc/${manager.pid}/task/${manager.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    expect(children).toHaveLength(2);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    process.kill(manager.pid!, 'SIGKILL');
    for (const until = Date.now() + 20_000; children.some(alive) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
    expect(children.filter(alive)).toEqual([]);
    // A shard the manager respawned just before it died (the test above killed the leader) notices
    // the closed channel when its start-up reaches that point, and frees the lock too.
    for (const until = Date.now() + 30_000; (await leaderPid()) !== undefined && Date.now() < until; ) await new Promise((r) => setTimeout(r, 250));
    expect(await leaderPid()).toBeUndefined();
  }, 90_000);
});

describe('sharding with the embedded library', () => {
  it('more than one shard is refused with a clear message (the library belongs to one process)', async () => {
    const discord = await new FakeDiscord(3).start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-shards-'));
    try {
      const r = await runCli(['start'], {
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        DISCORD_TOKEN: discord.token,
        DISCORD_API_BASE: discord.apiBase,
        SHARDS: 'auto',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/SHARDS=auto means 3 shard processes, but the embedded library .* belongs to one process\. Set DATABASE_URL/);
      expect(r.stderr).not.toContain(discord.token);
      expect(discord.identifies).toEqual([]);
    } finally {
      await discord.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('glibc malloc setting of a bot process', () => {
  it("npm start sets the same one the manager gives its shards, and an operator's own value wins", () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
    const [[name, value]] = Object.entries(MALLOC_ENV) as [[string, string]];
    expect(pkg.scripts.start).toContain(`${name}=\${${name}:-${value}}`);
  });
});

describe('SHARD_LIST: which shards this machine runs', () => {
  const here = (env: Record<string, string>, total: number) => shardsHere(loadConfig(env), total);

  it('is every shard by default, and the listed ones (deduplicated, in order) when set', () => {
    expect(here({ SHARDS: '3' }, 3)).toEqual([0, 1, 2]);
    expect(here({ SHARDS: '4', SHARD_LIST: '3, 1,3' }, 4)).toEqual([1, 3]);
  });

  it('refuses a list without a fixed SHARDS, a shard past the total, and a malformed list, each with a clear message', () => {
    expect(() => here({ SHARDS: 'auto', SHARD_LIST: '0' }, 2)).toThrow(/SHARD_LIST needs SHARDS set to the number of shards across all machines/);
    expect(() => here({ SHARDS: '2', SHARD_LIST: '1,2,5' }, 2)).toThrow(/SHARD_LIST has shard 2, 5, but SHARDS=2 means shards 0 to 1/);
    expect(() => loadConfig({ SHARD_LIST: 'zero' })).toThrow(/SHARD_LIST: expected shard ids separated by commas/);
  });
});

describe.skipIf(skipBackend('postgres'))('two machines splitting one bot’s shards (SHARD_LIST)', () => {
  it('each manager starts only its own shard, of the same total, and both answer from the one library', async () => {
    const discord = await new FakeDiscord(2).start();
    const backend = await makeBackend('postgres');
    const env = botEnv(backend, discord, { LOG_LEVEL: 'warn', SHARDS: '2' });
    // The library first (as `paperbot ingest` on any machine would), then the two machines.
    const ingested = await runCli(['ingest'], env);
    expect(ingested.code, ingested.stderr).toBe(0);
    const machines = ['1', '0'].map((list) =>
      spawn(process.execPath, ['bin/paperbot.js', 'start'], { env: { ...process.env, ...env, SHARD_LIST: list }, stdio: 'ignore' }),
    );
    try {
      await discord.waitForShards(2, 150_000);
      expect(discord.identifies.map((i) => [i.shard, i.of]).sort()).toEqual([
        [0, 2],
        [1, 2],
      ]);
      for (const guild of GUILD) {
        const i = discord.guildCommand(guild, '700000000000000001', 'ask', [{ name: 'question', type: 3, value: 'What is LAION-5B?' }]);
        const edit = await discord.waitFor((c) => c.method === 'PATCH' && c.path.includes(`/${i.token}/messages/`), 60_000);
        expect(edit.body.embeds[0].fields[0].value).toMatch(/LAION-5B/);
      }
    } finally {
      for (const m of machines) m.kill('SIGTERM');
      await Promise.all(machines.map((m) => new Promise((r) => (m.exitCode === null ? m.once('exit', r) : r(null)))));
      await discord.stop();
      await backend.drop();
    }
  }, 200_000);
});
