import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArxivAtom } from '../src/sources/arxiv.js';
import { parseHfDaily } from '../src/sources/hf.js';
import { SourceError, fetchText } from '../src/sources/http.js';
import { runCli } from './helpers/cli.js';
import { fixture, hf2024, hf2026, startFakeSources, type FakeSources } from './helpers/fake-sources.js';

describe('Hugging Face daily papers parser', () => {
  it('reads the older shape (no ai_summary / githubRepo)', () => {
    const { papers, skipped } = parseHfDaily(hf2024());
    expect(skipped).toBe(0);
    expect(papers.map((p) => p.id)).toEqual(['2410.17243', '2410.18538', '2410.18745']);
    const p = papers[0]!;
    expect(p.title).toBe('Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss');
    expect(p.abstract).not.toMatch(/\n/);
    expect(p).toMatchObject({ url: 'https://huggingface.co/papers/2410.17243', arxivId: '2410.17243', upvotes: 64, source: 'hf' });
    expect(p.aiSummary).toBeUndefined();
    expect(p.authors?.slice(0, 2)).toEqual(['Zesen Cheng', 'Hang Zhang']);
    expect(p.authors).toHaveLength(9);
  });

  it('reads the 2026 shape: ai_summary, githubRepo, submittedOnDailyAt', () => {
    const [p] = parseHfDaily(hf2026()).papers;
    expect(p!.aiSummary).toMatch(/^Large Multimodal Models demonstrate/);
    expect(p!.links[0]).toBe('https://github.com/marco-garosi/CIRCLE');
    expect(p!.links).toContain('https://circle-lmm.github.io/');
    expect(p!.publishedAt).toBe('2026-03-06T03:55:12.777Z');
    expect(p!.upvotes).toBe(10);
    expect(p!.thumbnail).toBe('https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2602.23229.png');
  });

  it('skips malformed items; rejects bodies that are not a JSON array', () => {
    const body = JSON.stringify([{ paper: { id: 'x' } }, ...JSON.parse(hf2024())]);
    expect(parseHfDaily(body).skipped).toBe(1);
    expect(() => parseHfDaily('<html>502 Bad Gateway</html>')).toThrow(/an HTML page/);
    expect(() => parseHfDaily(hf2024().slice(0, 500))).toThrow(/truncated or malformed/);
    expect(() => parseHfDaily('{"error":"x"}')).toThrow(/expected a JSON array/);
  });
});

describe('arXiv Atom parser', () => {
  it('reads entries: id without version, one-line title and abstract, abs and pdf links', () => {
    const papers = parseArxivAtom(fixture('xiv_arxiv_response.xml'));
    expect(papers.map((p) => p.id)).toEqual(['2510.14968', '2510.14827']);
    expect(papers[0]!.title).toBe('RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks');
    expect(papers[0]!.url).toBe('https://arxiv.org/abs/2510.14968');
    expect(papers[0]!.links).toContain('https://arxiv.org/pdf/2510.14968v1');
    expect(papers[0]!.publishedAt).toBe('2025-10-16T17:59:37Z');
    expect(papers[0]!.authors?.slice(0, 3)).toEqual(['Mingxuan Yan', 'Yuping Wang', 'Zechun Liu']);
    expect(papers[0]!.categories?.slice(0, 3)).toEqual(['cs.RO', 'cs.AI', 'cs.CV']);
  });
  it('an empty feed has no papers; a non-feed is an error', () => {
    expect(parseArxivAtom(fixture('xiv_arxiv_empty.xml'))).toEqual([]);
    expect(() => parseArxivAtom('<html><body>oops</body></html>')).toThrow(SourceError);
  });
});

describe('source HTTP client against a loopback server', () => {
  let srv: FakeSources;
  beforeAll(async () => {
    srv = await startFakeSources();
  });
  afterAll(async () => srv.close());

  it('retries 429/5xx with backoff and sends a User-Agent', async () => {
    srv.days.set('2024-10-25', [500, 429, hf2024()]);
    const before = srv.requests.length;
    const body = await fetchText(`${srv.base}/api/daily_papers?date=2024-10-25`, { minBackoffMs: 5 });
    expect(parseHfDaily(body).papers).toHaveLength(3);
    expect(srv.requests.length - before).toBe(3);
    expect(srv.requests.at(-1)!.userAgent).toMatch(/^paperbot\//);
  });

  it('gives up on other 4xx at once, and on hangs after the timeout and retries', async () => {
    srv.days.set('2024-01-01', [404]);
    const before = srv.requests.length;
    await expect(fetchText(`${srv.base}/api/daily_papers?date=2024-01-01`, { minBackoffMs: 5 })).rejects.toThrow(/HTTP 404/);
    expect(srv.requests.length - before).toBe(1);
    srv.days.set('2024-01-02', ['HANG']);
    await expect(fetchText(`${srv.base}/api/daily_papers?date=2024-01-02`, { timeoutMs: 100, retries: 1, minBackoffMs: 5 })).rejects.toThrow(
      /no answer within 100 ms/,
    );
  });
});

describe('paperbot ingest --source hf / arxiv', () => {
  let srv: FakeSources;
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    srv = await startFakeSources();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-src-'));
    env = { DATA_DIR: dataDir, HF_API_BASE: srv.base, ARXIV_API_BASE: srv.base, SOURCE_TIMEOUT_MS: '500' };
    expect((await runCli(['ingest'], env)).code).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await srv.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds a day of papers; a seed paper seen again is matched by title, not duplicated', async () => {
    const seedTwin = JSON.parse(hf2026());
    seedTwin[0].paper.id = '2205.13147';
    seedTwin[0].paper.title = 'Matryoshka Representation\n  Learning';
    srv.days.set('2024-10-25', [JSON.stringify([...JSON.parse(hf2024()), ...seedTwin])]);
    const r = await runCli(['ingest', '--source', 'hf', '--date', '2024-10-25'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/4 papers \(3 new, 1 changed, 0 unchanged\); embedded 3 passages/);
    expect(r.stdout).toMatch(/library holds 66 papers/);
    const hits = JSON.parse((await runCli(['search', 'Matryoshka Representation Learning', '--json', '-k', '1'], env)).stdout);
    expect(hits[0]).toMatchObject({ id: 'matryoshka-representation-learning', url: 'https://huggingface.co/papers/2205.13147' });
  });

  it('a failing or broken answer is a clear error and removes nothing', async () => {
    for (const bad of [[500, 500, 500, 500], ['<html>oops</html>'], [hf2024().slice(0, 300)]]) {
      srv.days.set('2024-10-26', bad);
      const r = await runCli(['ingest', '--source', 'hf', '--date', '2024-10-26'], { ...env, SOURCE_TIMEOUT_MS: '300' });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/paperbot: .*daily_papers\?date=2024-10-26.*(HTTP 500|HTML page|truncated)/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const again = await runCli(['ingest', '--source', 'hf', '--date', '2024-10-25'], env);
    expect(again.stdout).toMatch(/library holds 66 papers/);
  }, 60_000);

  it('an empty day adds nothing; arXiv by query; bad flags are clear', async () => {
    srv.days.set('2024-10-27', ['[]']);
    expect((await runCli(['ingest', '--source', 'hf', '--date', '2024-10-27'], env)).stdout).toMatch(/0 papers .*library holds 66 papers/);
    srv.arxiv.splice(0, srv.arxiv.length, fixture('xiv_arxiv_response.xml'));
    const r = await runCli(['ingest', '--source', 'arxiv', '--query', 'cat:cs.RO AND neural'], env);
    expect(r.stdout).toMatch(/2 papers \(2 new.*library holds 68 papers/);
    expect((await runCli(['ingest', '--source', 'arxiv'], env)).stderr).toMatch(/needs --query/);
    expect((await runCli(['ingest', '--source', 'hf', '--date', 'yesterday'], env)).stderr).toMatch(/expected a day as YYYY-MM-DD, got "yesterday"/);
    expect((await runCli(['ingest', '--source', 'web'], env)).stderr).toMatch(/Allowed choices are seed, hf, arxiv/);
  }, 60_000);
});
