import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { evidenceEmbed, paperView } from '../src/discord/render.js';
import { answerToJson } from '../src/answer/format.js';
import { addToLibrary } from '../src/jobs/add.js';
import { ingestSeed } from '../src/jobs/update.js';
import type { PostgresDb } from '../src/db/postgres.js';
import { log } from '../src/log.js';
import { BACKENDS, makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

// Papers added with their full text, on both backends, with the real encoder: answers quote the
// body and cite its section; the same text is never embedded twice; the refusal still holds.
const DOCS = ['P14-1011', 'P14-1028', 'P14-1013'].map((id) => `test/fixtures/fulltext/${id}.xhtml`);
const MMTNN = 'max-margin-tensor-neural-network-for-chinese-word-segmentation';
const BRAE = 'bilingually-constrained-phrase-embeddings-for-machine-translation';

const open = (b: TestBackend) =>
  openApp(loadConfig({ DATA_DIR: b.dataDir, DATABASE_URL: b.url, MODELS_DIR: path.resolve('models'), ALLOW_REMOTE_MODELS: '0', LOG_LEVEL: 'silent' }), log, {
    leader: false,
  });

describe.each(BACKENDS)('full-text answers (%s)', (name) => {
  let backend: TestBackend;
  let app: App;
  beforeAll(async () => {
    if (skipBackend(name)) return;
    backend = await makeBackend(name);
    app = await open(backend);
    await ingestSeed(app);
    for (const doc of DOCS) {
      const added = await addToLibrary(app, doc);
      expect(added).toMatchObject({ newPaper: true, unchanged: false });
      expect(added.passages).toBeGreaterThan(50);
    }
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await backend?.drop();
  });

  it.skipIf(skipBackend(name))('adding the same document again embeds nothing; the library holds one full text per paper', async () => {
    const again = await addToLibrary(app, DOCS[0]!);
    expect(again).toMatchObject({ paperId: BRAE, newPaper: false, unchanged: true });
    expect(await app.backend.fullTexts.count()).toBe(3);
    expect(await app.store.count()).toBe(66);
  });

  it.skipIf(skipBackend(name))('a question about the body is answered from the section that holds it, cited [1 §4.1]', async () => {
    const a = await app.chain.ask('What minibatch size was used to train MMTNN?');
    expect(a.refused).toBe(false);
    expect(a.citations[0]?.id).toBe(MMTNN);
    expect(a.answer).toMatch(/minibatch size is set to 20 \[1 §4\.1\]/);
    expect(a.evidence[0]).toMatchObject({ n: 1, section: '4.1 Data and Model Selection' });
    expect(a.evidence[0]!.text).toMatch(/minibatch size is set to 20/);
    // ask --json carries the section (a local file has no web address to link to).
    expect(answerToJson(a).evidence[0]).toEqual({ n: 1, text: a.evidence[0]!.text, section: '4.1 Data and Model Selection' });
    // The evidence button shows where in the paper the passage is.
    expect(JSON.stringify(evidenceEmbed(a).toJSON())).toContain('§4.1 Data and Model Selection');
  });

  it.skipIf(skipBackend(name))('a detail whose abstract says nothing about it is still found (and not refused)', async () => {
    const a = await app.chain.ask('What learning rate was used to train BRAE?');
    expect(a.refused).toBe(false);
    expect(a.citations[0]?.id).toBe(BRAE);
    expect(a.evidence.slice(0, 3).some((e) => e.text.includes('learning rate η=0.01') && e.section === '4.1 Hyper-Parameter Settings')).toBe(true);
  });

  it.skipIf(skipBackend(name))(
    'a question about no particular paper is answered by the paper whose body holds it, though its abstract does not rank',
    async () => {
      const q = 'Which toolkit was used to train the CRF baseline on the PKU corpus?';
      const byAbstract = await app.retriever.searchWithVector(q, app.embeddings.embedQuery(q), { k: 3, passages: 1 });
      expect(byAbstract.map((h) => h.id)).not.toContain(MMTNN);
      const a = await app.chain.ask(q);
      expect(a.refused).toBe(false);
      expect(a.citations[0]?.id).toBe(MMTNN);
      expect(a.answer).toMatch(/toolkit CRF\+\+ to train the CRF model \[1 §4\.2\]/);
    },
  );

  it.skipIf(skipBackend(name))('authors are part of the paper: "Pei et al." finds it, and its card names them', async () => {
    expect((await app.store.get(MMTNN))?.authors).toEqual(['Wenzhe Pei', 'Tao Ge', 'Baobao Chang']);
    const a = await app.chain.ask('What minibatch size did Pei et al. use?');
    expect(a.citations[0]?.id).toBe(MMTNN);
    expect(a.answer).toMatch(/minibatch size is set to 20/);
    const card = paperView((await app.catalog.get([MMTNN])).get(MMTNN)!).embeds[0]!.toJSON();
    expect(card.author?.name).toBe('Wenzhe Pei, Tao Ge and Baobao Chang');
  });

  it.skipIf(skipBackend(name))('follow-ups stay inside the paper', async () => {
    const c = `ft-${name}`;
    await app.chain.ask('What minibatch size was used to train MMTNN?', c);
    const a = await app.chain.ask('and which datasets did they evaluate on?', c);
    expect(a.citations.map((x) => x.id)).toEqual([MMTNN]);
    expect(a.answer).toMatch(/PKU and MSRA/);
    expect(a.evidence[0]?.section).toBeDefined();
  });

  it.skipIf(skipBackend(name))('papers without a full text answer from their abstract as before; off-topic questions are refused', async () => {
    const a = await app.chain.ask('What is Matryoshka Representation Learning?');
    expect(a.citations[0]?.id).toBe('matryoshka-representation-learning');
    expect(a.evidence.every((e) => e.section === undefined)).toBe(true);
    expect(a.answer).not.toMatch(/§/);
    expect((await app.chain.ask('What is the capital of Australia?')).refused).toBe(true);
  });

  it.skipIf(skipBackend(name) || name === 'sqlite')(
    'every passage is in the database index (HNSW and BM25), written with its full text, counted once, searched by the index',
    async () => {
      const { pool } = app.db as PostgresDb;
      const terms = async () => (await pool.query<{ n: string; most: number }>('SELECT sum(passages) AS n, max(papers) AS most FROM body_terms')).rows[0]!;
      const docs = await pool.query<{ paper_id: string }>('SELECT paper_id FROM body_docs ORDER BY paper_id');
      expect(docs.rows.map((r) => r.paper_id)).toEqual([BRAE, 'learning-topic-representation-for-smt-with-neural-networks', MMTNN]);
      const before = await terms();
      // The same document added again (earlier test) did not count its terms twice.
      expect(before.most).toBe(3);
      const q = 'Which toolkit was used to train the CRF baseline on the PKU corpus?';
      expect((await app.backend.fullTexts.search!.candidates(q, await app.embeddings.embedQuery(q), 3))[0]).toBe(MMTNN);
      // A full text stored before the index existed is indexed by reindex(), once, its counts moved by exactly its own.
      await pool.query('DELETE FROM body_docs WHERE paper_id = $1', [MMTNN]);
      expect(await app.backend.fullTexts.reindex()).toBe(1);
      expect(await app.backend.fullTexts.reindex()).toBe(0);
      expect(await terms()).toEqual(before);
    },
  );

  it.skipIf(skipBackend(name) || name === 'sqlite')('another process on the same database answers from the same full text', async () => {
    const other = await open(backend);
    try {
      const a = await other.chain.ask('What minibatch size was used to train MMTNN?');
      expect(a.evidence[0]?.section).toBe('4.1 Data and Model Selection');
    } finally {
      await other.close();
    }
  });
});
