import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../src/library/migrations.js';
import { PaperStore } from '../src/library/store.js';
import { readSeedFile } from '../src/sources/seed.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('PaperStore', () => {
  const papers = readSeedFile('seeds/daily-papers.txt');

  it('stores papers and re-storing the same papers changes nothing', () => {
    const store = new PaperStore(tmp());
    expect(store.upsert(papers).added).toHaveLength(63);
    const again = store.upsert(papers);
    expect(again).toEqual({ added: [], changed: [], unchanged: papers.map((p) => p.id) });
    expect(store.count()).toBe(63);
    const p = store.get('matryoshka-representation-learning')!;
    expect(p.links).toEqual(['https://github.com/RAIVNLab/MRL']);
    expect(p.contentHash).toMatch(/^[0-9a-f]{16}$/);
    store.close();
  });

  it('a changed abstract is an update with a new content hash', () => {
    const store = new PaperStore(tmp());
    store.upsert(papers);
    const before = store.get(papers[0]!.id)!.contentHash;
    const r = store.upsert([{ ...papers[0]!, abstract: `${papers[0]!.abstract} Revised.` }]);
    expect(r.changed).toEqual([papers[0]!.id]);
    expect(store.get(papers[0]!.id)!.contentHash).not.toBe(before);
    store.close();
  });

  it('finds a paper by normalised title (for matching live sources to seed papers)', () => {
    const store = new PaperStore(tmp());
    store.upsert(papers);
    expect(store.findByTitle('matryoshka   representation LEARNING')?.id).toBe('matryoshka-representation-learning');
    store.close();
  });

  it('persists across reopen', () => {
    const dir = tmp();
    const a = new PaperStore(dir);
    a.upsert(papers);
    a.close();
    const b = new PaperStore(dir);
    expect(b.count()).toBe(63);
    b.close();
  });

  it('opens a database made by an earlier release: versioned migrations add what it lacks and keep its papers', () => {
    const dir = tmp();
    const old = new Database(path.join(dir, 'paperbot.db'));
    // What releases before migrations created: the first three migrations' tables, no record, no thumbnail column.
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m.sql);
    old
      .prepare(
        "INSERT INTO papers (id, title, abstract, links, source, norm_title, content_hash, added_at) VALUES ('x', 'Old Paper', 'An abstract.', '[]', 'seed', 'old paper', 'h', '2026-01-01')",
      )
      .run();
    old.close();

    const store = new PaperStore(dir);
    const applied = store.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(store.get('x')!.title).toBe('Old Paper');
    store.upsert([{ ...papers[0]!, thumbnail: 'https://cdn-thumbnails.huggingface.co/p.png' }]);
    expect(store.get(papers[0]!.id)!.thumbnail).toBe('https://cdn-thumbnails.huggingface.co/p.png');
    store.close();
    // Opening again applies nothing.
    const again = new PaperStore(dir);
    expect(migrate(again.db)).toEqual([]);
    again.close();
  });

  it('a failing migration is rolled back whole and not recorded', () => {
    const db = new Database(':memory:');
    migrate(db);
    const bad = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);' }];
    expect(() => migrate(db, bad)).toThrow(/no such table: nowhere/);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations WHERE version = 99').get()).toEqual({ n: 0 });
    db.close();
  });
});
