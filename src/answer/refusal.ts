import { confusion } from '../confusion.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';

export interface RefusalThresholds {
  /** Refuse when the best paper covers less than this share of the question's IDF weight ... */
  coverage: number;
  /** ... and its embedding similarity is below this. */
  dense: number;
  /** Refuse whatever the words when the embedding similarity is below this (word matches by accident). */
  denseFloor: number;
}

/**
 * Calibrated with `paperbot eval answers` on the seed question set (12 out-of-scope vs 67 answerable
 * questions, USE-lite): the thresholds that maximise refusal F1 there (precision 0.917, recall 0.917,
 * one answerable question refused), ties broken toward fewer wrongly refused answerable questions.
 * The dense floor catches questions whose only shared word is an accident of stemming
 * ("capital" ~ "capitalizing").
 */
export const DEFAULT_REFUSAL: RefusalThresholds = { coverage: 0.22, dense: 0.48, denseFloor: 0.08 };

/** Too little evidence: no paper shares enough of the question's words or meaning. */
export function isUnsupported(hits: PaperHit[], t: RefusalThresholds = DEFAULT_REFUSAL): boolean {
  const top = hits[0];
  if (!top) return true;
  return refuses(t, Math.max(...hits.slice(0, 3).map((h) => h.signals.coverage)), top.signals.dense);
}

const refuses = (t: RefusalThresholds, coverage: number, dense: number) => dense < t.denseFloor || (coverage < t.coverage && dense < t.dense);

export interface CalibrationPoint {
  outOfScope: boolean;
  coverage: number;
  dense: number;
}

/** Refusal precision and recall of thresholds over labelled points. */
export function refusalScore(t: RefusalThresholds, points: CalibrationPoint[]) {
  const c = confusion(points, (p) => p.outOfScope, (p) => refuses(t, p.coverage, p.dense));
  return { precision: c.precision, recall: c.recall, falseRefusals: c.falsePositives };
}

/** Grid search for the thresholds with the best refusal F1 (ties: fewer false refusals, then lower). */
export function calibrate(points: CalibrationPoint[]): RefusalThresholds & { f1: number; precision: number; recall: number } {
  let best = { coverage: 0, dense: 0, denseFloor: 0, f1: -1, precision: 0, recall: 0, falseRefusals: Infinity };
  for (let f = 0; f <= 0.3001; f += 0.02) for (let c = 0; c <= 0.6001; c += 0.02) {
    for (let d = 0; d <= 0.7001; d += 0.02) {
      const t = { coverage: c, dense: d, denseFloor: f };
      const { precision, recall, f1, falsePositives } = confusion(points, (p) => p.outOfScope, (p) => refuses(t, p.coverage, p.dense));
      if (f1 > best.f1 + 1e-9 || (Math.abs(f1 - best.f1) < 1e-9 && falsePositives < best.falseRefusals)) {
        best = { coverage: round(c), dense: round(d), denseFloor: round(f), f1, precision, recall, falseRefusals: falsePositives };
      }
    }
  }
  const { falseRefusals: _fp, ...out } = best;
  return out;
}

const round = (x: number) => Math.round(x * 100) / 100;
