import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { addToLibrary, readDocument } from '../src/jobs/add.js';
import { log } from '../src/log.js';
import type { FullText } from '../src/paper/paper.js';
import { readDocumentFile } from '../src/sources/fulltext/files.js';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';
import { parsePdf } from '../src/sources/fulltext/pdf.js';
import { encryptedPdf, paperPdf, scannedPdf } from './helpers/make-pdf.js';

// The PDF path, on PDFs typeset here (pdf-lib) from real papers' text: no real arXiv PDF is in the
// repository, so layouts of real LaTeX PDFs (ligatures, word-level runs, figures) are not covered.
const paper = (id: string) => parseLatexml(fs.readFileSync(`test/fixtures/fulltext/${id}.xhtml`, 'utf8'))!;
const HEADER = 'Proceedings of the 52nd Annual Meeting of the ACL, pages 293-303';
const REFERENCES = ['Lafferty, J. 2001. Conditional random fields: probabilistic models for segmenting sequence data. ICML.'];
const outline = (t: FullText) => t.sections.filter((s) => s.paragraphs.length).map((s) => `${s.number} ${s.title}`);
const words = (t: FullText) => new Set(`${t.abstract} ${t.sections.flatMap((s) => s.paragraphs).join(' ')}`.toLowerCase().match(/[a-z]{3,}/g));

describe.each([1, 2] as const)('a paper typeset in %i column(s)', (columns) => {
  const original = paper('P14-1028');
  let read: FullText;
  beforeAll(async () => {
    read = await parsePdf(await paperPdf(original, { columns, header: HEADER, references: REFERENCES }));
  });

  it('reads back the title, the abstract and every numbered section, in order', () => {
    expect(read.title).toBe(original.title);
    expect(read.abstract.slice(0, 120)).toBe(original.abstract.slice(0, 120));
    expect(outline(read)).toEqual(outline(original));
  });

  it('joins words hyphenated across lines, and keeps the text (running header, page numbers and references out)', () => {
    const text = read.sections.flatMap((s) => s.paragraphs).join('\n');
    const lost = [...words(original)].filter((w) => !words(read).has(w));
    expect(lost.length / words(original).size).toBeLessThan(0.02);
    expect(text).toMatch(/minibatch size is set to 20/);
    expect(text).not.toContain('Annual Meeting of the ACL');
    expect(text).not.toContain('Conditional random fields: probabilistic models');
    expect(read.sections.flatMap((s) => s.paragraphs).filter((p) => /^\d+$/.test(p))).toEqual([]);
  });
});

describe('PDFs that cannot be read: one line each, nothing added', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-pdf-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = async (name: string, bytes: Uint8Array | Promise<Uint8Array>) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, await bytes);
    return p;
  };

  it.each([
    ['broken.pdf', async () => new TextEncoder().encode('%PDF-1.7\nnot really a pdf\n%%EOF'), /broken\.pdf is not a readable PDF/],
    ['locked.pdf', encryptedPdf, /locked\.pdf is encrypted \(password-protected\)/],
    ['scan.pdf', () => scannedPdf(3), /scan\.pdf has no text to read \(a scanned document/],
    ['bomb.pdf', bombPdf, /bomb\.pdf inflates to more than 200 MB .*zip bomb/],
  ])('%s', async (name, make, message) => {
    const err = await readDocumentFile(await write(name, make()), 50e6).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain('\n');
  });
});

/** A page whose content stream inflates from ~250 KB to 250 MB. */
async function bombPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const data = zlib.deflateSync(Buffer.alloc(250_000_000, 0x20), { level: 1 });
  const stream = PDFRawStream.of(doc.context.obj({ Filter: 'FlateDecode', Length: data.length }), data);
  doc.addPage().node.set(PDFName.of('Contents'), doc.context.register(stream));
  return doc.save();
}

describe('an arXiv paper without HTML is read from its PDF (loopback arXiv)', () => {
  const pdf = paperPdf(paper('P14-1011'), { columns: 2, header: HEADER });
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  let dataDir: string;
  let app: App;
  beforeAll(async () => {
    const bytes = await pdf;
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.accept}`);
      if (req.url === '/pdf/2405.00001') res.writeHead(302, { location: '/pdf/2405.00001v3' }).end();
      else if (req.url === '/pdf/2405.00001v3') res.writeHead(200, { 'content-type': 'application/pdf' }).end(bytes);
      else if (req.url === '/pdf/2405.00002') res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '999999999' }).end();
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-pdfapp-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      MODELS_DIR: path.resolve('models'),
      ALLOW_REMOTE_MODELS: '0',
      LOG_LEVEL: 'silent',
      ARXIV_HTML_BASE: `${base}/html`,
      ARXIV_PDF_BASE: `${base}/pdf`,
    });
    app = await openApp(config, log, { leader: false });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await new Promise<void>((ok) => server.close(() => ok()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for the HTML first, then the PDF; keys it by the version served and answers from it, cited by section', async () => {
    const added = await addToLibrary(app, 'https://arxiv.org/abs/2405.00001', { urgent: true });
    expect(added).toMatchObject({ paperId: '2405.00001', newPaper: true, title: 'Bilingually-constrained Phrase Embeddings for Machine Translation' });
    expect(seen.slice(0, 2)).toEqual(['/html/2405.00001 text/html, application/xhtml+xml', '/pdf/2405.00001 application/pdf']);
    expect((await app.backend.fullTexts.key('2405.00001'))?.sourceKey).toBe('arxiv:2405.00001v3');
    const a = await app.chain.ask('What learning rate was used to train BRAE?');
    expect(a.citations[0]?.id).toBe('2405.00001');
    expect(a.answer).toMatch(/\[1 §4\.1\]/);
    expect(a.evidence.map((e) => e.text).join(' ')).toMatch(/learning rate/);
  }, 60_000);

  it('a PDF file is added with the title and abstract read from it (paperbot add paper.pdf)', async () => {
    const file = path.join(dataDir, 'mmtnn.pdf');
    fs.writeFileSync(file, await paperPdf(paper('P14-1028'), { header: HEADER }));
    const added = await addToLibrary(app, file);
    expect(added).toMatchObject({ newPaper: true, unchanged: false, title: 'Max-Margin Tensor Neural Network for Chinese Word Segmentation' });
    expect((await app.store.get(added.paperId))?.abstract).toMatch(/^Recently, neural network models for natural language processing/);
    expect(await addToLibrary(app, file)).toMatchObject({ unchanged: true });
  }, 60_000);

  it('a PDF over MAX_DOCUMENT_MB and a paper arXiv does not have are one line each', async () => {
    await expect(readDocument(app, '2405.00002')).rejects.toThrow(/over the 50 MB limit \(MAX_DOCUMENT_MB\)/);
    await expect(readDocument(app, '2405.00003')).rejects.toThrow(/arXiv has no paper 2405\.00003 \(neither an HTML version nor a PDF\)/);
  }, 60_000);
});
