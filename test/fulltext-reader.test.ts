import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { FullTextReader } from '../src/jobs/fulltext.js';
import { ingest } from '../src/library/ingest.js';
import { log } from '../src/log.js';
import { slugify, type Paper } from '../src/paper/paper.js';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';

// The leader's background reading against a loopback arXiv (API, HTML): digest papers first, seed
// papers found by exact title, a daily cap, and papers arXiv cannot serve not tried again.
const fixture = (id: string) => parseLatexml(fs.readFileSync(`test/fixtures/fulltext/${id}.xhtml`, 'utf8'))!;
const brae = fixture('P14-1011');
const mmtnn = fixture('P14-1028');

const atom = (id: string, title: string) =>
  `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/${id}v1</id><title>${title}</title><summary>An abstract.</summary></entry></feed>`;

describe('background full-text reading', () => {
  let server: http.Server;
  const seen: string[] = [];
  let dataDir: string;
  let app: App;
  const live: Paper = {
    id: '2401.00001',
    arxivId: '2401.00001',
    title: brae.title,
    abstract: brae.abstract,
    links: [],
    source: 'arxiv',
    publishedAt: '2026-12-01',
  };
  const seed: Paper = { id: slugify(mmtnn.title), title: mmtnn.title, abstract: mmtnn.abstract, links: [], source: 'seed' };
  const missing: Paper = {
    id: '2401.00003',
    arxivId: '2401.00003',
    title: 'A Paper arXiv Cannot Serve',
    abstract: 'We study nothing in particular, at some length, so that this abstract reads like one.',
    links: [],
    source: 'arxiv',
    publishedAt: '2026-12-02',
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? '');
      seen.push(url);
      if (url.startsWith('/api/query') && url.includes('ti:"max margin tensor neural network for chinese word segmentation"'))
        res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atom('2401.00002', mmtnn.title));
      else if (url.startsWith('/api/query'))
        res.writeHead(200, { 'content-type': 'application/atom+xml' }).end('<feed xmlns="http://www.w3.org/2005/Atom"></feed>');
      else if (url === '/html/2401.00001') res.writeHead(200).end(fs.readFileSync('test/fixtures/fulltext/P14-1011.xhtml'));
      else if (url === '/html/2401.00002') res.writeHead(200).end(fs.readFileSync('test/fixtures/fulltext/P14-1028.xhtml'));
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-reader-'));
    const env = { DATA_DIR: dataDir, MODELS_DIR: path.resolve('models'), ALLOW_REMOTE_MODELS: '0', LOG_LEVEL: 'silent' };
    app = await openApp(loadConfig({ ...env, ARXIV_API_BASE: base, ARXIV_HTML_BASE: `${base}/html`, ARXIV_PDF_BASE: `${base}/pdf` }), log, { leader: false });
    await ingest([live, seed, missing], { store: app.store, vectors: app.backend.vectors, index: app.backend.index, embeddings: app.embeddings });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await new Promise<void>((ok) => server.close(() => ok()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads the digest paper first, finds a seed paper by its title, stops at the daily cap, and does not retry what arXiv cannot serve', async () => {
    let now = new Date();
    const reader = new FullTextReader(app, { perDay: 2, now: () => now });
    reader.prioritize([seed.id]);

    expect(await reader.sweep(1)).toEqual({ read: 1, failed: 0, capped: false });
    expect(seen.some((u) => u.includes('ti:"max margin tensor'))).toBe(true);
    expect((await app.backend.fullTexts.key(seed.id))?.sourceKey).toBe('arxiv:2401.00002');
    expect(await app.store.count()).toBe(3); // the seed paper got its full text; no second copy of it

    // Newest first: the paper arXiv has neither HTML nor PDF of, then the cap (2 a day).
    expect(await reader.sweep()).toEqual({ read: 0, failed: 1, capped: true });
    expect(await app.backend.fullTexts.key(live.id)).toBeUndefined();

    // A leader that takes over (a new reader on the same database) goes on from the day's count and the failures.
    const mark = seen.length;
    expect(await new FullTextReader(app, { perDay: 2, now: () => now }).sweep()).toEqual({ read: 0, failed: 0, capped: true });
    expect(seen.length).toBe(mark);

    now = new Date(now.getTime() + 86_400_000);
    expect(await new FullTextReader(app, { perDay: 2, now: () => now }).sweep()).toEqual({ read: 1, failed: 0, capped: false });
    expect((await app.backend.fullTexts.key(live.id))?.sourceKey).toBe('arxiv:2401.00001');
    const requests = seen.length;
    expect(await reader.sweep()).toEqual({ read: 0, failed: 0, capped: false });
    expect(seen.length).toBe(requests);
  }, 90_000);
});
