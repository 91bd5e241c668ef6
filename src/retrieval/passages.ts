import { splitSentences } from './text.js';

export interface Passage {
  /** `<paperId>#<n>` */
  id: string;
  paperId: string;
  n: number;
  text: string;
}

/** Target size of a quoted passage: short enough to quote in an answer, long enough to carry context. */
export const PASSAGE_MAX_WORDS = 70;

/**
 * Target size of an embedded chunk: one vector for title + abstract (retrieval is paper-level, and
 * bge-small-en-v1.5 reads up to 512 tokens, about 400 words). Longer abstracts get more than one chunk.
 * Embedding per quoted passage instead would cost several encoder calls per paper for nothing.
 */
export const DENSE_CHUNK_WORDS = 400;

/**
 * Sentence windows over an abstract: consecutive sentences packed up to PASSAGE_MAX_WORDS words,
 * never splitting a sentence. Deterministic, so passage ids are stable across runs.
 */
export function toPassages(paperId: string, abstract: string, maxWords = PASSAGE_MAX_WORDS): Passage[] {
  const windows: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of splitSentences(abstract)) {
    const w = sentence.split(/\s+/).length;
    if (current.length > 0 && words + w > maxWords) {
      windows.push(current.join(' '));
      current = [];
      words = 0;
    }
    current.push(sentence);
    words += w;
  }
  if (current.length) windows.push(current.join(' '));
  return windows.map((text, n) => ({ id: `${paperId}#${n}`, paperId, n, text }));
}

/** The texts embedded for a paper: title + abstract in chunks of DENSE_CHUNK_WORDS (usually one). */
export function denseChunks(p: { id: string; title: string; abstract: string }): Passage[] {
  const body = p.title ? `${p.title}. ${p.abstract}` : p.abstract;
  return toPassages(p.id, body, DENSE_CHUNK_WORDS);
}
