import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../retrieval/atomic-storage.js';
import { LexicalIndex } from '../retrieval/lexical.js';
import type { StoredPaper } from './store.js';

const FILE = 'lexical-index.json';

/** Identifies the library's exact content: any added or changed paper changes it. */
export function libraryFingerprint(papers: Pick<StoredPaper, 'id' | 'contentHash'>[]): string {
  const h = createHash('sha256');
  for (const p of [...papers].sort((a, b) => (a.id < b.id ? -1 : 1))) h.update(p.id).update('\0').update(p.contentHash).update('\n');
  return h.digest('hex').slice(0, 24);
}

/**
 * The lexical index for these papers: the saved snapshot when it was made for exactly this library,
 * else built now (and saved). A missing or unreadable snapshot is only slower, never wrong.
 */
export function loadLexical(dataDir: string, papers: StoredPaper[]): { index: LexicalIndex; fresh: boolean } {
  const fingerprint = libraryFingerprint(papers);
  try {
    const snap = LexicalIndex.fromSnapshot(JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')), fingerprint);
    if (snap) return { index: snap, fresh: false };
  } catch {
    // no snapshot yet, or an unreadable one: rebuild
  }
  const index = new LexicalIndex();
  index.add(papers.map((p) => ({ id: p.id, title: p.title, text: p.abstract })));
  return { index, fresh: true };
}

/** Saves the index for the library as it is now (atomically: a crash leaves the old snapshot). */
export async function saveLexical(dataDir: string, index: LexicalIndex, papers: StoredPaper[]): Promise<void> {
  await writeFileAtomic(path.join(dataDir, FILE), JSON.stringify(index.snapshot(libraryFingerprint(papers))));
}
