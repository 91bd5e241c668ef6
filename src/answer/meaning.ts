import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { LRUCache } from 'lru-cache';
import { splitSentences, terms } from '../retrieval/text.js';
import { askedKind, countedTerms, kindFit } from './asked.js';

/** Sentences per source considered by meaning: its first two and its best by words (bounds the cost). */
const PER_SOURCE = 6;
/** Sentences considered when the answer comes from one paper (a follow-up, a paper named). */
const ONE_SOURCE = 10;
/** Sources whose sentences are embedded (the best ones; the rest are rarely quoted). */
const SOURCES = 3;

/**
 * How close each candidate answer sentence is in meaning to the question: the encoder's cosine
 * similarity of the question (as a query) and the sentence (as a document). It lets the extractive
 * composer quote a sentence that answers a paraphrase sharing no words with it, and lets the chain
 * refuse when no sentence it could quote addresses the question.
 *
 * Cost: ~7.5 ms per sentence on 2 cores (batching does not help: compute-bound), so at most
 * SOURCES × PER_SOURCE sentences are embedded per question, and sentence vectors are cached (LRU).
 */
export class SentenceMeaning {
  private readonly cache: LRUCache<string, Float32Array>;

  constructor(
    private readonly embeddings: EmbeddingsInterface,
    cacheSize = 5000,
  ) {
    this.cache = new LRUCache({ max: cacheSize });
  }

  /**
   * The sentences worth embedding for a question, from each source's passages: its first two and
   * its best by the question's words and by the kind of thing asked (a sentence with a number for
   * "how many …?"); more of them when there is only one source.
   */
  static candidates(question: string, sources: { passages: string[] }[], idf: (t: string) => number): string[] {
    const q = new Set(terms(question));
    const kind = askedKind(question);
    const counted = countedTerms(question);
    const per = sources.length === 1 ? ONE_SOURCE : PER_SOURCE;
    const out: string[] = [];
    for (const [i, src] of sources.slice(0, SOURCES).entries()) {
      const sentences = src.passages.flatMap((p) => splitSentences(p)).filter((s) => quotable(s, i === 0));
      const scored = sentences.map((s, i) => ({ s, i, w: terms(s).reduce((sum, t) => sum + (q.has(t) ? idf(t) : 0), 0), k: kindFit(kind, s, q, counted) }));
      const byWords = [...scored].sort((a, b) => b.w - a.w || a.i - b.i).map((x) => x.s);
      // The two that best hold the kind of thing asked always get a look, whatever their words.
      const byKind =
        kind === 'other'
          ? []
          : [...scored]
              .filter((x) => x.k > 0)
              .sort((a, b) => b.k - a.k || b.w - a.w || a.i - b.i)
              .slice(0, 2)
              .map((x) => x.s);
      const pick = new Set([...sentences.slice(0, 2), ...byKind, ...byWords].slice(0, per + byKind.length));
      for (const s of pick) out.push(s);
    }
    return out;
  }

  /** Cosine similarity of each sentence to the question vector (vectors are unit length). */
  async similarities(questionVector: number[], sentences: string[]): Promise<Map<string, number>> {
    const missing = [...new Set(sentences)].filter((s) => !this.cache.has(s));
    if (missing.length) {
      const vectors = await this.embeddings.embedDocuments(missing);
      for (const [i, s] of missing.entries()) this.cache.set(s, Float32Array.from(vectors[i]!));
    }
    const out = new Map<string, number>();
    for (const s of sentences) {
      const v = this.cache.get(s)!;
      let dot = 0;
      for (let d = 0; d < v.length; d++) dot += v[d]! * questionVector[d]!;
      out.set(s, dot);
    }
    return out;
  }
}

/** Words of a sentence an answer quotes, at most; LONG_SENTENCE_WORDS from the best paper (abstracts pack their results in one long sentence). */
const SENTENCE_WORDS = 60;
const LONG_SENTENCE_WORDS = 80;

/** Link lines, fragments and run-ons do not read as answers. */
export const quotable = (sentence: string, long = false) => {
  const words = sentence.split(/\s+/).length;
  return words >= 6 && words <= (long ? LONG_SENTENCE_WORDS : SENTENCE_WORDS) && !/https?:\/\/|github\.com/i.test(sentence);
};
