import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../retrieval/atomic-storage.js';
import { ALIASES_VERSION } from '../retrieval/aliases.js';
import { LexicalIndex } from '../retrieval/lexical/lexical.js';
import type { StoredPaper } from './store.js';

const FILE = 'lexical-index.bin';
/** The JSON snapshot of releases that used MiniSearch: deleted once the binary one is written. */
const OLD_FILE = 'lexical-index.json';

/** Identifies the library's exact content (and the alias rules): any added or changed paper changes it. */
export function libraryFingerprint(papers: Pick<StoredPaper, 'id' | 'contentHash'>[]): string {
  const h = createHash('sha256').update(`aliases ${ALIASES_VERSION}\n`);
  for (const p of [...papers].sort((a, b) => (a.id < b.id ? -1 : 1))) h.update(p.id).update('\0').update(p.contentHash).update('\n');
  return h.digest('hex').slice(0, 24);
}

/**
 * The saved lexical index, when it was made for exactly this library (and this index format); else
 * undefined, and the retriever builds the index from the papers. A missing or unreadable snapshot is
 * only slower, never wrong.
 */
export function loadLexicalSnapshot(dataDir: string, papers: StoredPaper[]): LexicalIndex | undefined {
  try {
    return LexicalIndex.fromSnapshot(fs.readFileSync(path.join(dataDir, FILE)), libraryFingerprint(papers));
  } catch {
    return undefined; // no snapshot yet, or an unreadable one
  }
}

/** Saves the index for the library as it is now (atomically: a crash leaves the old snapshot). */
export async function saveLexical(dataDir: string, index: LexicalIndex, papers: StoredPaper[]): Promise<void> {
  await writeFileAtomic(path.join(dataDir, FILE), index.snapshot(libraryFingerprint(papers)));
  fs.rmSync(path.join(dataDir, OLD_FILE), { force: true });
}
