/** How lexical (BM25) and dense (embedding) rankings are combined. */
export interface FusionParams {
  /**
   * `convex`: α·(BM25 / best BM25) + (1−α)·(dense min–max normalised). Keeps score gaps, so a
   * confident lexical match is not outvoted by a weak encoder the way rank fusion lets it be.
   * `rrf`: weighted reciprocal rank fusion, w/(k + rank).
   * `lexical` / `dense`: one side only (for evaluation).
   */
  method: 'convex' | 'rrf' | 'lexical' | 'dense';
  /** Weight of the lexical side, 0..1. */
  alpha: number;
  /**
   * Optional query-adaptive weight: when set, the lexical weight moves from `alpha` up to
   * `alphaMax` as the best BM25 paper covers more of the question's (IDF-weighted) terms. A question
   * whose words all occur in one paper is a lexical match; a paraphrase shares few words, and then
   * the embedding side gets more say.
   */
  alphaMax?: number;
  /** RRF rank constant. */
  rrfK: number;
}

/**
 * Tuned on SciFact training queries and the seed question set (README, `paperbot eval ... --sweep`):
 * the only setting measured to beat BM25 alone on both (fixed α 0.5 wins on seed paraphrases but
 * loses 0.06 nDCG on SciFact, where USE-lite is weak; fixed α 0.8 ties SciFact but helps paraphrases
 * little; RRF loses on both).
 */
export const DEFAULT_FUSION: FusionParams = { method: 'convex', alpha: 0.4, alphaMax: 1, rrfK: 60 };

export interface Scored {
  id: string;
  score: number;
}

/** Fuses two rankings (each best first) into one, best first. Scores of the result are 0..1-ish. */
export function fuse(lexical: Scored[], dense: Scored[], p: FusionParams): Scored[] {
  if (p.method === 'lexical') return normaliseMax(lexical);
  if (p.method === 'dense') return dense;
  const out = new Map<string, number>();
  if (p.method === 'rrf') {
    lexical.forEach((r, i) => out.set(r.id, (out.get(r.id) ?? 0) + p.alpha / (p.rrfK + i + 1)));
    dense.forEach((r, i) => out.set(r.id, (out.get(r.id) ?? 0) + (1 - p.alpha) / (p.rrfK + i + 1)));
  } else {
    const lex = normaliseMax(lexical);
    const den = normaliseMinMax(dense);
    for (const r of lex) out.set(r.id, p.alpha * r.score);
    for (const r of den) out.set(r.id, (out.get(r.id) ?? 0) + (1 - p.alpha) * r.score);
  }
  return [...out].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

function normaliseMax(list: Scored[]): Scored[] {
  const max = list[0]?.score ?? 1;
  return list.map((r) => ({ id: r.id, score: max > 0 ? r.score / max : 0 }));
}

function normaliseMinMax(list: Scored[]): Scored[] {
  if (list.length === 0) return [];
  const max = Math.max(...list.map((r) => r.score));
  const min = Math.min(...list.map((r) => r.score));
  const span = max - min || 1;
  return list.map((r) => ({ id: r.id, score: (r.score - min) / span }));
}
