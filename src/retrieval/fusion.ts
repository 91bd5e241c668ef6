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
    for (const [i, r] of lexical.entries()) out.set(r.id, (out.get(r.id) ?? 0) + p.alpha / (p.rrfK + i + 1));
    for (const [i, r] of dense.entries()) out.set(r.id, (out.get(r.id) ?? 0) + (1 - p.alpha) / (p.rrfK + i + 1));
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

/** A question's two rankings before fusion, and the share of its terms the best BM25 paper covers. */
export interface Candidates {
  lexical: Scored[];
  dense: Scored[];
  topCoverage: number;
}

/** Fuses a question's candidates; an adaptive weight moves toward alphaMax with the top coverage. */
export function fuseCandidates(c: Candidates, p: FusionParams): Scored[] {
  const effective = p.alphaMax !== undefined && c.lexical.length ? { ...p, alpha: p.alpha + (p.alphaMax - p.alpha) * c.topCoverage } : p;
  return fuse(c.lexical, c.dense, effective);
}
