import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { LRUCache } from 'lru-cache';
import { splitSentences, terms } from '../retrieval/text.js';

/** Sentences per source considered by meaning: its first two and its best by words (bounds the cost). */
const PER_SOURCE = 6;
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

  /** The sentences worth embedding for a question, from each source's passages. */
  static candidates(question: string, sources: { passages: string[] }[], idf: (t: string) => number): string[] {
    const q = new Set(terms(question));
    const out: string[] = [];
    for (const src of sources.slice(0, SOURCES)) {
      const sentences = src.passages.flatMap((p) => splitSentences(p)).filter(quotable);
      const byWords = sentences
        .map((s, i) => ({ s, i, w: terms(s).reduce((sum, t) => sum + (q.has(t) ? idf(t) : 0), 0) }))
        .sort((a, b) => b.w - a.w || a.i - b.i);
      const pick = new Set([...sentences.slice(0, 2), ...byWords.map((x) => x.s)].slice(0, PER_SOURCE));
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

/** Link lines, fragments and run-ons do not read as answers. */
export const quotable = (sentence: string) => {
  const words = sentence.split(/\s+/).length;
  return words >= 6 && words <= 60 && !/https?:\/\/|github\.com/i.test(sentence);
};
