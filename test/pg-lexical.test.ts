import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS, migratePostgres } from '../src/db/migrations.js';
import { inTransaction, PostgresDb } from '../src/db/postgres.js';
import { contentHash } from '../src/paper/paper.js';
import { PgLexical } from '../src/retrieval/lexical/pg-lexical.js';
import { PaperStore } from '../src/library/store.js';
import { ALIASES_VERSION } from '../src/retrieval/aliases.js';
import { analyse, prepareBulk, sortGroupsByImpact } from '../src/retrieval/lexical/pg-lexical-bulk.js';
import { DEFAULT_LEXICAL } from '../src/retrieval/lexical/lexical.js';
import { terms } from '../src/retrieval/text.js';
import { readSeedFile } from '../src/sources/seed.js';
import { makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

// A bulk load writes only the postings a search can read (per term the `postingsPerTerm` of highest
// impact), presorted, and notes the rest per paper. Checked against the batch path, which writes
// every posting: same rankings, same document frequencies, also after papers change. Small limits
// (3 postings per term, bulk from 20 papers) make the 63 seed papers exercise it.
const LIMITS = { postingsPerTerm: 3, bulkFrom: 20 };
const seed = readSeedFile('seeds/daily-papers.txt').map((p) => ({ ...p, contentHash: contentHash(p) }));
const questions = (JSON.parse(fs.readFileSync('eval/questions.json', 'utf8')) as { questions: { question: string }[] }).questions
  .slice(0, 60)
  .map((q) => q.question);
const vocabulary = [...new Set(seed.flatMap((p) => terms(`${p.title} ${p.abstract}`)))];

/** The seed with some abstracts rewritten (new words in, old ones out), as a source update would. */
const edited = (ids: Set<string>) =>
  seed.map((p) =>
    ids.has(p.id)
      ? { ...p, abstract: `Rewritten: a dataset of diffusion models and transformers. ${p.abstract.slice(200)}`, contentHash: `${p.contentHash}x` }
      : p,
  );

describe('bulk load: postings ordered per term by impact', () => {
  it('sorts each group highest impact first, ties in load order, as a comparator sort does', () => {
    // Seeded pseudo-random impacts, many of them equal (ties are the common case: same tf, same length).
    let state = 7;
    const rand = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const n = 8000;
    const impact = new Float32Array(n).map(() => (rand() < 0.5 ? Math.floor(rand() * 4) / 4 : rand() * 10));
    impact[3] = 0;
    impact[4] = -0.5; // never produced by BM25, but the order must still hold
    impact[5] = 1e-30;
    const sizes = [0, 1, 2, 17, 400, 1, 2500, 80];
    const start = new Int32Array(sizes.length + 1);
    sizes.forEach((s, g) => {
      start[g + 1] = start[g]! + s;
    });
    // Postings of a group in load order but not contiguous ids (as after the counting sort by term).
    const order = new Int32Array(start[sizes.length]!).map((_, j) => 2 * j + 1);
    const expected = Int32Array.from(order);
    for (let g = 0; g < sizes.length; g++) expected.subarray(start[g]!, start[g + 1]!).sort((x, y) => impact[y]! - impact[x]! || x - y);
    // The comparator's tie-break is the posting id, which within a group here grows with load order.
    for (let g = 0; g < sizes.length; g++) {
      const ids = order.subarray(start[g]!, start[g + 1]!);
      expect([...ids].every((v, j) => j === 0 || v > ids[j - 1]!)).toBe(true);
    }
    sortGroupsByImpact(order, start, impact);
    expect([...order]).toEqual([...expected]);
  });
});

describe('bulk load: postings laid out from the papers', () => {
  it('holds exactly the terms, frequencies and lengths analyse() gives each paper, grouped by term in byte order, best first, the rest past the cap noted', () => {
    const cap = 5;
    const bulk = prepareBulk(seed, { docs: 0, avg: [1, 1, 1] }, DEFAULT_LEXICAL, cap);
    const perPaper = seed.map(() => new Map<string, number[]>());
    const unlisted = seed.map(() => [] as string[]);
    const groupNames = [...bulk.byName].map((id) => bulk.names[id]!);
    expect(groupNames).toEqual([...bulk.names].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
    for (let r = 0; r < bulk.byName.length; r++) {
      const term = groupNames[r]!;
      for (let j = bulk.start[r]!; j < bulk.start[r + 1]!; j++) {
        const i = bulk.order[j]!;
        const pi = bulk.paperOf[i]!;
        perPaper[pi]!.set(term, [bulk.tfs[3 * i]!, bulk.tfs[3 * i + 1]!, bulk.tfs[3 * i + 2]!]);
        if (j > bulk.start[r]!) expect(bulk.impact[i]!).toBeLessThanOrEqual(bulk.impact[bulk.order[j - 1]!]!);
        if (j >= bulk.start[r]! + cap) unlisted[pi]!.push(term);
      }
      const id = bulk.byName[r]!;
      expect(bulk.df[4 * id + 3]).toBe(bulk.start[r + 1]! - bulk.start[r]!);
    }
    for (const [pi, p] of seed.entries()) {
      const { tf, lens } = analyse(p);
      expect(Object.fromEntries(perPaper[pi]!)).toEqual(Object.fromEntries(tf));
      expect([...bulk.lens.subarray(3 * pi, 3 * pi + 3)]).toEqual(lens);
      expect(bulk.unlisted[pi]!.split(' ').filter(Boolean)).toEqual(unlisted[pi]);
    }
    expect(unlisted.flat().length).toBeGreaterThan(100);
  });
});

describe.skipIf(skipBackend('postgres'))('BM25 in PostgreSQL: bulk load', () => {
  let bulkDb: TestBackend;
  let batchDb: TestBackend;
  let bulk: { db: PostgresDb; lex: PgLexical };
  let batch: { db: PostgresDb; lex: PgLexical };
  const open = async (b: TestBackend, bulkFrom: number) => {
    const db = (await b.open()) as PostgresDb;
    return { db, lex: new PgLexical(db.pool, undefined, 0, { ...LIMITS, bulkFrom }) };
  };
  beforeAll(async () => {
    [bulkDb, batchDb] = await Promise.all([makeBackend('postgres'), makeBackend('postgres')]);
    bulk = await open(bulkDb, LIMITS.bulkFrom);
    batch = await open(batchDb, Number.POSITIVE_INFINITY);
    await bulk.lex.index(seed);
    await batch.lex.index(seed);
  }, 60_000);
  afterAll(async () => {
    await bulk?.db.close();
    await batch?.db.close();
    await bulkDb?.drop();
    await batchDb?.drop();
  });

  const count = async (db: PostgresDb, sql: string, params: unknown[] = []) => Number((await db.pool.query<{ n: string }>(sql, params)).rows[0]!.n);
  const unlistedOf = (papers: { id: string }[]) =>
    count(bulk.db, 'SELECT sum(cardinality(unlisted)) AS n FROM lex_docs WHERE paper_id = ANY($1::text[])', [papers.map((p) => p.id)]);
  const sameIds = async (q: string) =>
    expect(
      (await bulk.lex.search(q, 10)).map((r) => r.id),
      q,
    ).toEqual((await batch.lex.search(q, 10)).map((r) => r.id));

  it('stores at most postingsPerTerm postings per term, the rest noted on their papers, and rebuilds its indexes', async () => {
    const all = await count(batch.db, 'SELECT count(*) AS n FROM lex_postings');
    const kept = await count(bulk.db, 'SELECT count(*) AS n FROM lex_postings');
    const unlisted = await count(bulk.db, 'SELECT sum(cardinality(unlisted)) AS n FROM lex_docs');
    expect(unlisted).toBeGreaterThan(0.3 * all);
    expect(kept + unlisted).toBe(all);
    expect(await count(bulk.db, 'SELECT max(c) AS n FROM (SELECT count(*) AS c FROM lex_postings GROUP BY term) x')).toBe(LIMITS.postingsPerTerm);
    const indexes = (await bulk.db.pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'lex_postings' ORDER BY 1")).rows;
    expect(indexes.map((r) => r.indexname)).toEqual(['lex_postings_paper', 'lex_postings_scan']);
  });

  it('takes up an analysis started before the papers were stored (prepare) only for exactly those papers', async () => {
    const [b1, b2] = await Promise.all([makeBackend('postgres'), makeBackend('postgres')]);
    const [one, two] = await Promise.all([open(b1, LIMITS.bulkFrom), open(b2, LIMITS.bulkFrom)]);
    try {
      const changed = new Set(seed.slice(0, 10).map((p) => p.id));
      const taken = vi.spyOn(one.lex as unknown as { takeEarly: () => Promise<unknown> }, 'takeEarly');
      // Analysed as the source had them, stored edited: not this load's analysis.
      one.lex.prepare(seed);
      await one.lex.index(edited(changed));
      expect(await taken.mock.results[0]!.value).toBeUndefined();
      // (A search reads 3 postings per term here; the document frequency counts every paper.)
      const word = terms('rewritten')[0]!;
      expect((await one.lex.termStats([word])).df.get(word)).toBe(changed.size);
      // Papers the index already holds: nothing is analysed early (a re-ingest costs one query).
      one.lex.prepare(edited(changed));
      await one.lex.index([]);
      expect(await taken.mock.results[1]!.value).toBeUndefined();
      // The reference: these papers loaded in reverse order (the order breaks impact ties at the cap).
      await one.lex.index(edited(changed).reverse());
      const reference = await Promise.all(questions.map((q) => one.lex.search(q, 20)));
      const stats = await one.lex.termStats(vocabulary);
      // A first import prepared in reverse order, then given in the usual one: taken up, so the load is in its order.
      const takenTwo = vi.spyOn(two.lex as unknown as { takeEarly: () => Promise<unknown> }, 'takeEarly');
      two.lex.prepare(edited(changed).reverse());
      await two.lex.index(edited(changed));
      // Taken up: the prepared analysis of exactly these papers is used (undefined would mean analysed again).
      const takenUp = (await takenTwo.mock.results[0]!.value) as { papers: { id: string }[] } | undefined;
      expect(takenUp?.papers.map((p) => p.id).sort()).toEqual(
        edited(changed)
          .map((p) => p.id)
          .sort(),
      );
      expect(await Promise.all(questions.map((q) => two.lex.search(q, 20)))).toEqual(reference);
      expect(await two.lex.termStats(vocabulary)).toEqual(stats);
      expect(await count(two.db, 'SELECT count(*) AS n FROM lex_docs')).toBe(seed.length);
    } finally {
      await Promise.all([one.db.close(), two.db.close()]);
      await Promise.all([b1.drop(), b2.drop()]);
    }
  });

  it('ranks as the batch path does, which stores every posting', async () => {
    for (const q of questions) expect(await bulk.lex.search(q, 20), q).toEqual(await batch.lex.search(q, 20));
    expect(await bulk.lex.termStats(vocabulary)).toEqual(await batch.lex.termStats(vocabulary));
  });

  it('a paper re-indexed after a bulk load leaves every term it had, listed or not (document frequencies stay exact)', async () => {
    const changed = edited(new Set(seed.slice(0, 5).map((p) => p.id))).slice(0, 5);
    expect(await unlistedOf(changed)).toBeGreaterThan(0);
    await bulk.lex.index(changed);
    await batch.lex.index(changed);
    const words = [...new Set([...vocabulary, ...terms(changed[0]!.abstract)])];
    expect(await bulk.lex.termStats(words)).toEqual(await batch.lex.termStats(words));
    expect(await unlistedOf(changed)).toBe(0);
  });

  it('a second bulk load over the same papers replaces them: frequencies as if indexed once', async () => {
    const again = edited(new Set(seed.filter((_, i) => i % 2 === 0).map((p) => p.id)));
    await bulk.lex.index(again);
    await batch.lex.index(again);
    const words = [...new Set([...vocabulary, ...terms(again[0]!.abstract)])];
    expect(await bulk.lex.termStats(words)).toEqual(await batch.lex.termStats(words));
    expect(await count(bulk.db, 'SELECT count(*) AS n FROM lex_docs')).toBe(seed.length);
    for (const q of questions.slice(0, 20)) await sameIds(q);
  });

  it('a word repeated past SMALLINT in one abstract is indexed (its count capped), not an error', async () => {
    const spam = { ...seed[0]!, id: 'spam-paper', abstract: 'zzyzx '.repeat(40_000), contentHash: 'spam' };
    await batch.lex.index([spam]);
    expect((await batch.lex.search('zzyzx', 5)).map((r) => r.id)).toEqual(['spam-paper']);
    const { rows } = await batch.db.pool.query<{ body_tf: number }>("SELECT body_tf FROM lex_postings WHERE paper_id = 'spam-paper' AND term = 'zzyzx'");
    expect(rows).toEqual([{ body_tf: 32767 }]);
  });
});

describe.skipIf(skipBackend('postgres'))('BM25 in PostgreSQL: migrations 8 and 9 on an indexed library', () => {
  it('keeps the postings of the release before, moves terms and paper ids to C collation, and searches and deletes by index as before', async () => {
    const b = await makeBackend('postgres');
    const db = PostgresDb.connect(b.url);
    try {
      await migratePostgres(
        db,
        MIGRATIONS.filter((m) => m.version < 8),
      );
      // Two papers as the release before indexed them (its columns only).
      await db.pool.query(`INSERT INTO lex_docs (paper_id, hash, title_len, body_len, alias_len) VALUES ('p1', 'h1', 3, 40, 2), ('p2', 'h2', 4, 50, 2)`);
      await db.pool.query(`INSERT INTO lex_terms (term, dt, db, da, dany) VALUES ('diffus', 1, 2, 0, 2), ('robot', 0, 1, 0, 1)`);
      await db.pool.query(`INSERT INTO lex_postings (term, paper_id, title_tf, body_tf, alias_tf, title_len, body_len, alias_len, impact) VALUES
        ('diffus', 'p1', 1, 3, 0, 3, 40, 2, 2.5), ('diffus', 'p2', 0, 1, 0, 4, 50, 2, 0.9), ('robot', 'p2', 0, 2, 0, 4, 50, 2, 1.4)`);
      const lex = new PgLexical(db.pool, undefined, 0);
      const before = await lex.search('diffusion robots', 5);
      expect(before.map((r) => r.id)).toEqual(['p2', 'p1']);
      expect(
        await migratePostgres(
          db,
          MIGRATIONS.filter((m) => m.version <= 9),
        ),
      ).toEqual([8, 9]);
      const { rows } = await db.pool.query<{ column_name: string; collation_name: string }>(
        "SELECT column_name, collation_name FROM information_schema.columns WHERE table_name = 'lex_postings' AND column_name IN ('term', 'paper_id') ORDER BY 1",
      );
      expect(rows).toEqual([
        { column_name: 'paper_id', collation_name: 'C' },
        { column_name: 'term', collation_name: 'C' },
      ]);
      // Re-indexing a paper deletes its postings through the paper index (a text parameter compares in the column's collation).
      const plan = await inTransaction(db.pool, async (client) => {
        await client.query('SET LOCAL enable_seqscan = off');
        return (await client.query<{ 'QUERY PLAN': string }>('EXPLAIN DELETE FROM lex_postings WHERE paper_id = ANY($1::text[])', [['p1']])).rows;
      });
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/lex_postings_paper/);
      expect(await lex.search('diffusion robots', 5)).toEqual(before);
      expect((await db.pool.query('SELECT unlisted, unlisted_fields FROM lex_docs ORDER BY paper_id')).rows).toEqual([
        { unlisted: [], unlisted_fields: [] },
        { unlisted: [], unlisted_fields: [] },
      ]);
      const indexes = (await db.pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'lex_postings' ORDER BY 1")).rows;
      expect(indexes.map((r) => r.indexname)).toEqual(['lex_postings_paper', 'lex_postings_scan']);
    } finally {
      await db.close();
      await b.drop();
    }
  });
});

describe.skipIf(skipBackend('postgres'))('BM25 in PostgreSQL: what a paper is indexed from', () => {
  let backend: TestBackend;
  let db: PostgresDb;
  beforeAll(async () => {
    backend = await makeBackend('postgres');
    db = (await backend.open()) as PostgresDb;
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await backend?.drop();
  });

  it('a paper whose authors arrive later (or whose alias rules change) is indexed again, its content unchanged', async () => {
    const store = new PaperStore(db);
    const lex = new PgLexical(db.pool, undefined, 0, { ...LIMITS, bulkFrom: Number.POSITIVE_INFINITY });
    const paper = { ...seed[0]!, id: 'p-authors' };
    await store.upsert([paper]);
    await lex.index(await store.getMany(await lex.stalePapers()));
    expect(await lex.stalePapers()).toEqual([]);
    expect((await lex.search('Yosinski et al', 5)).map((r) => r.id)).not.toContain('p-authors');
    // The same abstract, now with its authors: the content hash is the same, the index is stale.
    await store.upsert([{ ...paper, authors: ['Jason Yosinski', 'Jeff Clune'] }]);
    expect((await store.get('p-authors'))!.contentHash).toBe(contentHash(paper));
    expect(await lex.stalePapers()).toEqual(['p-authors']);
    await lex.index(await store.getMany(['p-authors']));
    expect(await lex.stalePapers()).toEqual([]);
    expect((await lex.search('Yosinski et al', 5)).map((r) => r.id)).toContain('p-authors');
    // Indexed under an older aliases version: stale too.
    await db.pool.query("UPDATE lex_docs SET hash = replace(hash, $1, ':0:') WHERE paper_id = 'p-authors'", [`:${ALIASES_VERSION}:`]);
    expect(await lex.stalePapers()).toEqual(['p-authors']);
  });
});
