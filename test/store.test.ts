import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PaperStore } from '../src/library/store.js';
import { readSeedFile } from '../src/sources/seed.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

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
});
