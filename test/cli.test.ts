import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from './helpers/cli.js';

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-cli-'));
  env = { DATA_DIR: dataDir };
  const r = await runCli(['ingest'], env);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/63 papers \(63 new, 0 changed, 0 unchanged\); embedded 63 passages of 63 papers/);
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('paperbot CLI', () => {
  it('re-ingesting the unchanged seed embeds nothing', async () => {
    const r = await runCli(['ingest'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(0 new, 0 changed, 63 unchanged\); embedded 0 passages of 0 papers/);
  });

  it('search --json prints ranked papers with passages', async () => {
    const r = await runCli(['search', 'What is Matryoshka Representation Learning?', '-k', '3', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const hits = JSON.parse(r.stdout) as { id: string; title: string; score: number; passages: { text: string; score: number }[] }[];
    expect(hits).toHaveLength(3);
    expect(hits[0]!.id).toBe('matryoshka-representation-learning');
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    for (const h of hits) {
      expect(Object.keys(h).sort()).toEqual(['id', 'passages', 'score', 'title']);
      expect(h.passages.length).toBeGreaterThan(0);
      for (const p of h.passages) expect(Object.keys(p).sort()).toEqual(['score', 'text']);
    }
    expect(hits[0]!.passages[0]!.text.toLowerCase()).toMatch(/matryoshka|representation/);
  });

  it('search --stdin --json answers one line per question, loading once', async () => {
    const input = 'What is LAION-5B?\n\nHow does CrossViT use cross-attention?\n';
    const r = await runCli(['search', '--stdin', '--json', '-k', '2'], env, input);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0][0].id).toMatch(/^laion-5b/);
    expect(lines[1].error).toMatch(/empty/);
    expect(lines[2][0].id).toMatch(/^crossvit/);
  });

  it('ask --json prints a cited answer; --stdin answers one JSON object per line', async () => {
    const r = await runCli(['ask', 'What does UnsafeBench find about image safety classifiers?', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(Object.keys(a).sort()).toEqual(['answer', 'citations', 'evidence', 'refused']);
    expect(a.refused).toBe(false);
    expect(a.citations[0]).toMatchObject({ n: 1, id: expect.stringMatching(/^unsafebench/) });
    expect(a.answer).toMatch(/\[1\]/);
    expect(a.evidence[0].n).toBe(1);

    const lines = await runCli(['ask', '--stdin', '--json'], env, 'How do I bake sourdough bread?\nWhat is LAION-5B?\n');
    const [refused, answered] = lines.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(refused).toMatchObject({ refused: true, citations: [] });
    expect(refused.closest).toHaveLength(3);
    expect(answered.citations[0].id).toMatch(/^laion-5b/);
  });

  it('add reads a paper with its full text; ask --stdin --json then quotes its body with the section', async () => {
    // A library of its own: the other tests count the seed library's papers.
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-add-'));
    onTestFinished(() => fs.rmSync(own, { recursive: true, force: true }));
    const env = { DATA_DIR: own };
    const added = await runCli(['add', 'test/fixtures/fulltext/P14-1028.xhtml', 'test/fixtures/fulltext/P14-1028.xhtml'], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(
      /^added "Max-Margin Tensor Neural Network for Chinese Word Segmentation" \(max-margin-tensor-neural-network-for-chinese-word-segmentation\): \d+ passages from 17 sections\n/,
    );
    expect(added.stdout).toMatch(/already in the library with this text/);
    const r = await runCli(
      ['ask', '--stdin', '--json'],
      env,
      'What minibatch size was used to train MMTNN?\nWhich toolkit trained the CRF baseline in the MMTNN experiments?\n',
    );
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { answer: string; evidence: { section?: string; text: string }[] });
    expect(a!.answer).toMatch(/\[1 §4\.1\]/);
    expect(a!.evidence[0]).toMatchObject({ section: '4.1 Data and Model Selection' });
    expect(b!.evidence.map((e) => e.text).join(' ')).toMatch(/CRF\+\+/);
    // A bad document is one line, and the others are still added.
    const bad = await runCli(['add', 'nowhere/missing.html', 'not-an-id'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nowhere\/missing\.html: no such file/);
    expect(bad.stderr).toMatch(/not-an-id: "not-an-id" is neither a file nor an arXiv id or link/);
    noStack(bad.stderr);
  });

  it('empty, over-long and bad-flag input get a clear message and a non-zero exit', async () => {
    const empty = await runCli(['search', '   '], env);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/question is empty/);
    noStack(empty.stderr);

    const long = await runCli(['search', 'a'.repeat(1001)], env);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/1001 characters long; the limit is 1000/);
    noStack(long.stderr);

    const flag = await runCli(['search', 'x', '--bogus'], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--bogus'/);
    noStack(flag.stderr);

    const k = await runCli(['search', 'x', '-k', 'zero'], env);
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/expected a whole number/);
  });

  it('a malformed seed file is reported by file and line and loses nothing', async () => {
    const bad = path.join(dataDir, 'bad.txt');
    fs.writeFileSync(bad, 'A Title\n\nAnother title right after it\n\n');
    const r = await runCli(['ingest', '--seed', bad], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.txt:1: title "A Title" has no abstract/);
    noStack(r.stderr);
    const after = await runCli(['search', 'What is LAION-5B?', '--json', '-k', '1'], env);
    expect(JSON.parse(after.stdout)[0].id).toMatch(/^laion-5b/);
    const again = await runCli(['ingest'], env);
    expect(again.stdout).toMatch(/63 unchanged\); embedded 0 passages/);
  });

  it('searching or asking an empty library says how to fill it', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-empty-'));
    for (const cmd of ['search', 'ask']) {
      const r = await runCli([cmd, 'What is CLIP?'], { DATA_DIR: empty });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/the library in .* is empty: run "npx paperbot ingest" \(or "npm start"\) first/);
      noStack(r.stderr);
    }
    fs.rmSync(empty, { recursive: true, force: true });
  });

  it('DATA_DIR mistakes: ask/search never create a library, and a file, /proc or an unwritable path is one line naming DATA_DIR', async () => {
    const typo = path.join(os.tmpdir(), `paperbot-typo-${process.pid}`, 'data');
    for (const cmd of ['ask', 'search']) {
      const r = await runCli([cmd, 'What is CLIP?'], { DATA_DIR: typo });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/nothing was created there \(check DATA_DIR for a typo\)/);
      expect(fs.existsSync(path.dirname(typo))).toBe(false);
    }
    const file = path.join(os.tmpdir(), `paperbot-file-${process.pid}`);
    fs.writeFileSync(file, 'not a folder');
    const cases: [string, RegExp][] = [
      [file, /^paperbot: DATA_DIR=.*: .* is a file, not a folder; set DATA_DIR to a folder/],
      [path.join(file, 'below'), /^paperbot: DATA_DIR=.*: .* is a file, not a folder/],
      ...(process.platform === 'linux'
        ? ([['/proc/paperbot-data', /^paperbot: DATA_DIR=\/proc\/paperbot-data: no folder can be made at \/proc\/paperbot-data/]] as [string, RegExp][])
        : []),
    ];
    for (const [dir, message] of cases) {
      const t = Date.now();
      const r = await runCli(['ingest'], { DATA_DIR: dir }, undefined, 20_000);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(Date.now() - t).toBeLessThan(15_000); // no mkdir loop spinning for ever
      noStack(r.stderr);
    }
    fs.rmSync(file, { force: true });
  });

  it('an unwritable DATA_DIR is named with what to do', async () => {
    const { dataDirError } = await import('../src/db/data-dir.js');
    const err = dataDirError('./lib', '/srv/lib', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect(err.message).toBe(
      'DATA_DIR=./lib: /srv/lib cannot be written (permission denied); set DATA_DIR to a folder this user can write (default ./data; it is created if missing)',
    );
    expect(dataDirError('d', '/ro', Object.assign(new Error('x'), { code: 'EROFS' })).message).toMatch(/read-only file system/);
  });

  it('invalid configuration is one clear message', async () => {
    const r = await runCli(['search', 'x'], { ...env, EMBEDDINGS: 'gpt-9' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid configuration:\n\s+EMBEDDINGS:/);
    noStack(r.stderr);
  });

  it('reads .env from the working directory, and the environment wins over it', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-dotenv-'));
    try {
      fs.writeFileSync(path.join(cwd, '.env'), "# a user's settings\nDISCORD_GUILD_ID=not-a-snowflake\nDISCORD_TOKEN=\n");
      const fromFile = await runCli(['deploy-commands'], { DISCORD_GUILD_ID: '', DISCORD_TOKEN: '' }, undefined, 30_000, cwd);
      // An empty variable in the environment counts as set: the environment wins, so the .env value is not used...
      expect(fromFile.stderr).toMatch(/DISCORD_TOKEN is not set/);
      const { DISCORD_GUILD_ID: _g, DISCORD_TOKEN: _t, ...rest } = process.env;
      // ...and without it in the environment, the .env value is read (and validated).
      const viaDotEnv = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.resolve('bin/paperbot.js'), 'deploy-commands'], { cwd, env: rest as NodeJS.ProcessEnv });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(viaDotEnv.code).toBe(2);
      expect(viaDotEnv.stderr).toMatch(/invalid configuration:\n\s+DISCORD_GUILD_ID: expected a Discord snowflake id/);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('npm start without DISCORD_TOKEN opens the terminal session over the same library', async () => {
    const r = await runCli(['start'], { ...env, DISCORD_TOKEN: '' }, 'help\nsearch What is LAION-5B?\n\nWhat is LAION-5B?\nwhat dataset did it use?\nquit\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/63 papers in the library/);
    expect(r.stdout).toMatch(/DISCORD_TOKEN/);
    expect(r.stdout).toMatch(/Commands:/);
    expect(r.stdout).toMatch(/1\. LAION-5B/);
    // The question and its follow-up are both answered from LAION-5B, with a numbered source.
    expect(r.stdout.match(/^\[1\] LAION-5B/gm)).toHaveLength(2);
  });
});
