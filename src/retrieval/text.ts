import { stemmer } from 'stemmer';
import { eng } from 'stopword';

const ABBREVIATIONS = /\b(?:e\.g|i\.e|et\.? al|etc|vs|fig|figs|eq|eqs|approx|cf|resp|no|vol|dr|mr|ms|prof|inc|ltd|st)\.$/i;

/**
 * The abbreviations of the first release, which stored full texts' passage windows were cut by (their
 * vectors are stored per window: the windows of a stored text must not move). "et. al." came later.
 */
const PASSAGE_ABBREVIATIONS = /\b(?:e\.g|i\.e|et al|etc|vs|fig|figs|eq|eqs|approx|cf|resp|no|vol|dr|mr|ms|prof|inc|ltd|st)\.$/i;

/** Splits prose into sentences, keeping "e.g.", "et al." ("et. al."), decimals and URLs whole; `forPassages`: the stored windows' rules. */
export function splitSentences(text: string, forPassages = false): string[] {
  const abbreviations = forPassages ? PASSAGE_ABBREVIATIONS : ABBREVIATIONS;
  const parts = text.split(/(?<=[.!?])\s+(?=[A-Z0-9("'[\u201c])/);
  const out: string[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if (prev !== undefined && (abbreviations.test(prev) || /\b[A-Z]\.$/.test(prev))) out[out.length - 1] = `${prev} ${part}`;
    else out.push(part);
  }
  return out.map((s) => s.trim()).filter(Boolean);
}

const STOP = new Set([
  ...eng,
  // "Kalchbrenner et al.": the name is the term, the citation filler is not.
  'et',
  'al',
  'also',
  'via',
  'using',
  'use',
  'used',
  'can',
  'paper',
  'papers',
  'propose',
  'proposed',
  'show',
  'shows',
  'method',
  'approach',
  'new',
  'based',
  'whose',
  'which',
  'what',
  'how',
  'does',
  'did',
  'do',
]);

/** Word → stem. A library's vocabulary is small next to its word count, so stemming each word once pays. */
const STEMS = new Map<string, string>();
const MAX_CACHED_STEMS = 500_000;

function stem(word: string): string {
  let s = STEMS.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (STEMS.size < MAX_CACHED_STEMS) STEMS.set(word, s);
  }
  return s;
}

/** A text's words as terms() reads them: lower-cased, NFKD-normalised, split at anything not a-z or 0-9 (empty strings included). */
export const words = (text: string): string[] =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .split(/[^a-z0-9]+/);

/** One word's term: its Porter stem, or undefined for a stop word, an empty string or a single letter. */
export function termOfWord(raw: string): string | undefined {
  if (!raw || STOP.has(raw) || (raw.length < 2 && !/\d/.test(raw))) return undefined;
  return stem(raw);
}

/** Lexical terms: lower-cased alphanumeric words, stop words out, Porter-stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const raw of words(text)) {
    const t = termOfWord(raw);
    if (t !== undefined) out.push(t);
  }
  return out;
}
