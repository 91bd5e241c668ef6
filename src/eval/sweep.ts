import type { Embeddings } from '@langchain/core/embeddings';
import { fuseCandidates, type Candidates, type FusionParams } from '../retrieval/fusion.js';
import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import type { BeirData } from './beir.js';
import { mean, ndcgAt } from './metrics.js';
import { recallAtK } from './questions.js';

/** One judged question: its candidates (searched once) and how a ranking of it is scored. */
export interface Judged {
  candidates: Candidates;
  score: (ranked: string[]) => number;
}

/** The settings a sweep tries: each side alone, convex weights, adaptive weights, and RRF. */
export function fusionGrid(): { label: string; params: FusionParams }[] {
  const out: { label: string; params: FusionParams }[] = [
    { label: 'lexical', params: { method: 'lexical', alpha: 1, rrfK: 60 } },
    { label: 'dense', params: { method: 'dense', alpha: 0, rrfK: 60 } },
  ];
  for (const alpha of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) out.push({ label: `convex a=${alpha}`, params: { method: 'convex', alpha, rrfK: 60 } });
  for (const [alpha, alphaMax] of [
    [0.1, 0.5],
    [0.2, 0.5],
    [0.2, 0.7],
    [0.3, 0.6],
    [0.3, 0.8],
    [0.4, 1],
  ] as const) {
    out.push({ label: `adaptive a=${alpha}..${alphaMax}`, params: { method: 'convex', alpha, alphaMax, rrfK: 60 } });
  }
  for (const alpha of [0.3, 0.4, 0.5]) out.push({ label: `rrf a=${alpha}`, params: { method: 'rrf', alpha, rrfK: 60 } });
  return out;
}

/** Mean score of a fusion setting over judged questions (no searching: candidates are fused again). */
export function scoreSetting(judged: Judged[], params: FusionParams): number {
  return mean(judged.map((j) => j.score(fuseCandidates(j.candidates, params).map((r) => r.id))));
}

/** SciFact-style data as judged questions, nDCG@10 each. Queries are embedded as queries. */
export async function judgeBeir(retriever: HybridRetriever, embeddings: Embeddings, data: BeirData): Promise<Judged[]> {
  const out: Judged[] = [];
  for (const q of data.queries) {
    const candidates = await retriever.candidates(q.text, await embeddings.embedQuery(q.text), { method: 'convex', pool: 100 });
    const rel = data.qrels.get(q.id)!;
    out.push({ candidates, score: (ranked) => ndcgAt(10, ranked, rel) });
  }
  return out;
}

/** Questions with gold papers as judged questions, Recall@k each. */
export async function judgeQuestions(
  retriever: HybridRetriever,
  embeddings: Embeddings,
  questions: { question: string; gold: string[] }[],
  k: number,
): Promise<Judged[]> {
  const out: Judged[] = [];
  for (const q of questions) {
    const candidates = await retriever.candidates(q.question, await embeddings.embedQuery(q.question), { method: 'convex', pool: 100 });
    out.push({ candidates, score: (ranked) => recallAtK(q.gold, ranked, k) });
  }
  return out;
}
