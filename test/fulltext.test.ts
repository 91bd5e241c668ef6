import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FullText } from '../src/paper/paper.js';
import { BodyRetriever, decodeVectors, encodeVectors, type FullTextRecord } from '../src/retrieval/body/body-retriever.js';
import { bodyPassages, passageWords } from '../src/retrieval/body/passages.js';
import { fetchArxivHtml, parseArxivRef } from '../src/sources/fulltext/arxiv-html.js';
import { readDocumentFile } from '../src/sources/fulltext/files.js';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';
import { PoliteQueue, type QueueClock } from '../src/sources/polite-queue.js';

const words = (n: number, w = 'word') => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');

describe('body passages', () => {
  const body: Pick<FullText, 'sections'> = {
    sections: [
      { id: 'S1', number: '1', title: 'Introduction', paragraphs: [`${words(30)}.`, `${words(30)}.`, `${words(30)}.`] },
      { id: 'S4.SS1', number: '4.1', title: 'Setup', paragraphs: ['Table 1: Sizes.', 'Train: 9 K | 960', 'Dev: 0 | 37'] },
      { id: 'Sx1', number: '', title: 'Acknowledgments', paragraphs: [`${words(50, 'a')}. ${words(50, 'B')}.`] },
    ],
  };
  const passages = bodyPassages('p', body);

  it('packs short paragraphs (table rows) together, cuts long ones between sentences, and never crosses a section', () => {
    expect(passages.map((p) => [p.section.anchor, p.text.split(/\s+/).length])).toEqual([
      ['S1', 60],
      ['S1', 30],
      ['S4.SS1', 12],
      ['Sx1', 50],
      ['Sx1', 50],
    ]);
    expect(passages[2]!.text).toBe('Table 1: Sizes. Train: 9 K | 960 Dev: 0 | 37');
  });

  it('labels a passage with its section number, or its title when unnumbered; ids are stable', () => {
    expect(passages.map((p) => p.section.label)).toEqual(['1', '1', '4.1', 'Acknowledgments', 'Acknowledgments']);
    expect(passages.map((p) => p.id)).toEqual(['p§0', 'p§1', 'p§2', 'p§3', 'p§4']);
    expect(bodyPassages('p', body)).toEqual(passages);
  });

  it('covers a real paper: every paragraph word is in exactly one passage', () => {
    const t = parseLatexml(fs.readFileSync('test/fixtures/fulltext/P14-1011.xhtml', 'utf8'))!;
    const ps = bodyPassages('brae', t);
    const count = (s: string) => s.split(/\s+/).filter(Boolean).length;
    expect(ps.reduce((n, p) => n + count(p.text), 0)).toBe(t.sections.flatMap((s) => s.paragraphs).reduce((n, p) => n + count(p), 0));
    expect(ps.find((p) => p.text.includes('learning rate η=0.01'))?.section).toEqual({
      anchor: 'S4.SS1',
      label: '4.1',
      title: 'Hyper-Parameter Settings',
      parents: ['Experiments'],
    });
  });
});

describe('the section path', () => {
  it('travels with every passage (the titles of the sections it is in) and is part of the words it is found by', () => {
    const body: Pick<FullText, 'sections'> = {
      sections: [
        { id: 'S2', number: '2', title: 'Model', paragraphs: [] },
        { id: 'S2.SS3', number: '2.3', title: 'Translation', paragraphs: [] },
        { id: 'S2.SS3.SSS1', number: '2.3.1', title: 'Question Patterns', paragraphs: ['We keep 4,764 patterns.'] },
        { id: 'S6.SS1', number: '6.1', title: 'Data Setting', paragraphs: ['The data is from the IWSLT 2009 dialog task.'] },
        { id: 'Sx1', number: '', title: 'Acknowledgments', paragraphs: ['Thanks.'] },
      ],
    };
    const [patterns, data, thanks] = bodyPassages('p', body);
    expect(patterns!.section.parents).toEqual(['Model', 'Translation']);
    expect(data!.section.parents).toEqual([]); // no section 6 in the document
    expect(thanks!.section.parents).toEqual([]);
    expect(passageWords(patterns!)).toBe('Model Translation Question Patterns We keep 4,764 patterns.');
  });
});

describe("ranking a paper's passages", () => {
  const body: FullText = {
    title: 'Learning Semantic Hierarchies via Word Embeddings',
    authors: [],
    abstract: '',
    sections: [
      {
        id: 'S1',
        number: '1',
        title: 'Introduction',
        paragraphs: ['We learn semantic hierarchies of words, and semantic hierarchies serve many tasks.'],
      },
      {
        id: 'S4',
        number: '4',
        title: 'Experimental Data',
        paragraphs: ['The embeddings are learned from Baidubaike, an encyclopedia of 30 million sentences.'],
      },
      { id: 'S5', number: '5', title: 'Results', paragraphs: ['Precision and recall of the projection model on the test pairs.'] },
    ],
  };
  const record: FullTextRecord = { paperId: 'p', sourceKey: 'file:x', contentHash: 'h', body, model: 'none', vectors: [] };
  const source = { load: async () => record, withFullText: async () => new Set(['p']), paperIds: async () => ['p'] };

  it("weighs the paper's own title words less than the words that find the passage", async () => {
    const body = new BodyRetriever(source, 'bge');
    const ranked = (await body.rank(['p'], 'Which encyclopedia were the embeddings learned from for semantic hierarchies?', [])).get('p')!;
    expect(ranked[0]!.passage.section.anchor).toBe('S4');
    // The extractive composer weighs a body sentence's words the same way.
    const w = body.termWeight('p')!;
    expect(w('semant')).toBeCloseTo(w('encyclopedia') * 0.5, 6);
  });
});

describe('passage vectors as stored', () => {
  it('round-trip within a hundredth of cosine similarity, at a quarter of float32 size', () => {
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const vs = Array.from({ length: 20 }, (_, i) => unit(Array.from({ length: 384 }, (_, d) => Math.sin(i * 7 + d * 0.37))));
    const text = encodeVectors(vs);
    expect(Buffer.from(text, 'base64').length).toBeLessThan(vs.length * 384 * 4 * 0.3);
    const back = decodeVectors(text);
    expect(back).toHaveLength(20);
    for (const [i, v] of vs.entries()) {
      const dot = v.reduce((s, x, d) => s + x * back[i]![d]!, 0);
      expect(dot).toBeGreaterThan(0.99);
    }
    expect(decodeVectors(encodeVectors([]))).toEqual([]);
  });
});

describe('arXiv references', () => {
  it('reads ids, versions and every arxiv.org link form', () => {
    expect(parseArxivRef('2401.01234')).toEqual({ id: '2401.01234' });
    expect(parseArxivRef(' arXiv:2401.01234v3 ')).toEqual({ id: '2401.01234', version: 3 });
    expect(parseArxivRef('https://arxiv.org/abs/2312.00752v2')).toEqual({ id: '2312.00752', version: 2 });
    expect(parseArxivRef('https://arxiv.org/html/2312.00752v1#S3.SS2')).toEqual({ id: '2312.00752', version: 1 });
    expect(parseArxivRef('https://arxiv.org/pdf/2312.00752.pdf')).toEqual({ id: '2312.00752' });
    expect(parseArxivRef('http://www.arxiv.org/abs/cs/0112017')).toEqual({ id: 'cs/0112017' });
  });

  it('rejects what is not one', () => {
    for (const bad of ['2401.0', 'https://example.org/abs/2401.01234', 'hello', '', 'https://arxiv.org/list/cs.CL/new'])
      expect(parseArxivRef(bad)).toBeUndefined();
  });
});

/** A clock that moves only when waited on. */
function fakeClock(): QueueClock & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe('the polite arXiv queue', () => {
  it('starts requests at least the interval apart, one at a time, in order', async () => {
    const clock = fakeClock();
    const q = new PoliteQueue(3000, clock);
    const started: number[] = [];
    await Promise.all([1, 2, 3].map((i) => q.run(async () => started.push(clock.now()) && i)));
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(3000);
    expect(started[2]! - started[1]!).toBeGreaterThanOrEqual(3000);
  });

  it('lets a user waiting for an answer go before the background requests still waiting', async () => {
    const q = new PoliteQueue(3000, fakeClock());
    const order: string[] = [];
    const job = (name: string) => async () => void order.push(name);
    const all = [q.run(job('bg1')), q.run(job('bg2')), q.run(job('bg3')), q.run(job('user'), { urgent: true })];
    await Promise.all(all);
    expect(order).toEqual(['bg1', 'user', 'bg2', 'bg3']);
  });

  it('a failing request rejects its own caller only', async () => {
    const q = new PoliteQueue(10, fakeClock());
    const bad = q.run(async () => {
      throw new Error('boom');
    });
    const good = q.run(async () => 'ok');
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBe('ok');
  });
});

describe("arXiv's HTML papers (loopback server)", () => {
  const paper = fs.readFileSync('test/fixtures/fulltext/P14-1028.xhtml', 'utf8');
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers['user-agent']}`);
      if (req.url === '/html/2401.01234') res.writeHead(302, { location: '/html/2401.01234v2' }).end();
      else if (req.url === '/html/2401.01234v2') res.writeHead(200, { 'content-type': 'application/xhtml+xml' }).end(paper);
      else if (req.url === '/html/2402.00001v1')
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>Conversion to HTML had a Fatal error</h1></body></html>');
      else res.writeHead(404).end('No HTML for this paper');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/html`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
  const opts = () => ({ base, queue: new PoliteQueue(0), retries: 0 });

  it('follows arXiv to the latest version and keys the text by it', async () => {
    const r = await fetchArxivHtml({ id: '2401.01234' }, opts());
    expect(r?.sourceKey).toBe('arxiv:2401.01234v2');
    expect(r?.documentUrl).toBe(`${base}/2401.01234v2`);
    expect(r?.url).toBe('https://arxiv.org/abs/2401.01234');
    expect(r?.body.title).toBe('Max-Margin Tensor Neural Network for Chinese Word Segmentation');
    expect(seen.at(-1)).toMatch(/paperbot/); // our User-Agent
  });

  it('no HTML (404) and a failed conversion are both "no full text", not errors', async () => {
    await expect(fetchArxivHtml({ id: '2403.99999' }, opts())).resolves.toBeUndefined();
    await expect(fetchArxivHtml({ id: '2402.00001', version: 1 }, opts())).resolves.toBeUndefined();
  });
});

describe('documents read from files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-docs-'));
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads an arXiv HTML paper, keyed by its bytes', async () => {
    const a = await readDocumentFile('test/fixtures/fulltext/P14-1013.xhtml', 1e7);
    const b = await readDocumentFile(file('copy.html', fs.readFileSync('test/fixtures/fulltext/P14-1013.xhtml')), 1e7);
    expect(a.body.title).toBe('Learning Topic Representation for SMT with Neural Networks');
    expect(a.sourceKey).toMatch(/^file:[0-9a-f]{64}$/);
    expect(b.sourceKey).toBe(a.sourceKey);
  });

  it('a saved arXiv page says which paper it is: keyed by its arXiv id, its sections linked to arXiv', async () => {
    const xhtml = fs.readFileSync('test/fixtures/fulltext/P14-1013.xhtml', 'utf8');
    const saved = xhtml.replace('<head>', '<head><base href="/html/2508.10395v2/"/>');
    const a = await readDocumentFile(file('saved.html', saved), 1e7);
    expect(a).toMatchObject({ arxivId: '2508.10395', url: 'https://arxiv.org/abs/2508.10395', documentUrl: 'https://arxiv.org/html/2508.10395v2' });
    const ar5iv = xhtml.replace('<head>', '<head><meta property="og:url" content="https://ar5iv.labs.arxiv.org/html/1805.00899"/>');
    expect((await readDocumentFile(file('ar5iv.html', ar5iv), 1e7)).documentUrl).toBe('https://ar5iv.labs.arxiv.org/html/1805.00899');
    // A page that does not say (the ACL files) is only its bytes.
    expect(await readDocumentFile('test/fixtures/fulltext/P14-1013.xhtml', 1e7)).not.toHaveProperty('arxivId');
  });

  it('refuses each kind of bad input with one line', async () => {
    const cases: [string, RegExp][] = [
      [file('login.html', '<html><body><form>Please sign in</form></body></html>'), /not a paper converted to HTML/],
      [file('notes.txt', 'just some notes'), /neither an HTML page nor a PDF/],
      [file('empty.html', ''), /is empty/],
      [file('paper.pdf', '<html><body>Access denied</body></html>'), /paper\.pdf is not a PDF \(it does not start with %PDF-\)/],
      [path.join(dir, 'missing.html'), /cannot read .*ENOENT/],
      [dir, /is not a file/],
    ];
    for (const [p, message] of cases) {
      const thrown = await readDocumentFile(p, 1e7).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(thrown?.message, p).toMatch(message);
      expect(thrown?.message).not.toContain('\n');
    }
    await expect(readDocumentFile('test/fixtures/fulltext/P14-1013.xhtml', 1000)).rejects.toThrow(/over the 0 MB limit \(MAX_DOCUMENT_MB\)/);
  });
});
