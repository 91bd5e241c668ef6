import { confusion } from '../confusion.js';
import type { RefusalThresholds } from '../retrieval/encoders/profiles.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';

/** What the chain knows about its evidence for a question. */
export interface EvidenceSignals {
  /** Share of the question's IDF weight found in the best of the top 3 papers (unseen words count as rarest). */
  coverage: number;
  /** Cosine similarity of the question to the best paper. */
  dense: number;
  /** Best cosine similarity of the question to a sentence the answer could quote (undefined: not measured). */
  sentence?: number;
}

export function signalsOf(hits: PaperHit[], sentence?: number): EvidenceSignals {
  return {
    coverage: hits.length ? Math.max(...hits.slice(0, 3).map((h) => h.signals.coverage)) : 0,
    dense: hits[0]?.signals.dense ?? 0,
    ...(sentence === undefined ? {} : { sentence }),
  };
}

export function refuses(t: RefusalThresholds, s: EvidenceSignals): boolean {
  if (t.sentence > 0 && s.sentence !== undefined && s.sentence < t.sentence) return true;
  return s.dense < t.denseFloor || (s.coverage < t.coverage && s.dense < t.dense);
}

/** A question that mentions the best paper's name is answered when the paper holds this share of its words. */
export const MENTIONED_COVERAGE = 0.8;

/** A question whose words the best paper holds at least this share of (IDF-weighted) is decided by its sentences. */
export const ALL_WORDS_COVERAGE = 0.9;

/** Too little evidence: nothing quotable addresses the question, or no paper shares enough of its words or meaning. */
export function isUnsupported(hits: PaperHit[], t: RefusalThresholds, sentence?: number): boolean {
  if (hits.length === 0) return true;
  // A question that names the best paper ("What is CLIP?") is about it, however little its abstract says the name;
  // so is one that says its name among words all found in it ("How many tasks are in the VoCo benchmark?").
  const best = hits[0]!.signals;
  if (best.named || (best.mentioned && best.coverage >= MENTIONED_COVERAGE)) return false;
  // It says the paper's name, and one of its sentences comes near the question: about that paper, whatever the paper-level similarity.
  if (best.mentioned && t.sentence > 0 && sentence !== undefined && sentence >= t.sentence && best.coverage >= t.coverage) return false;
  // Every word of it is in the paper ("what's the reinforced version of CIFAR-100 called?"): a short
  // question sits far from a whole abstract in meaning, so its sentences decide, not the paper-level floor.
  if (best.coverage >= ALL_WORDS_COVERAGE && t.sentence > 0 && (sentence === undefined || sentence >= t.sentence)) return false;
  return refuses(t, signalsOf(hits, sentence));
}

export interface CalibrationPoint extends EvidenceSignals {
  outOfScope: boolean;
}

/** Refusal precision and recall of thresholds over labelled points, and how many answerable questions they refuse. */
export function refusalScore(t: RefusalThresholds, points: CalibrationPoint[]) {
  const c = confusion(
    points,
    (p) => p.outOfScope,
    (p) => refuses(t, p),
  );
  return { precision: c.precision, recall: c.recall, falseRefusals: c.falsePositives };
}

/** How far below the least similar answerable question the sentence check sits (a margin for unseen questions). */
export const SENTENCE_MARGIN = 0.03;

/**
 * Fits the thresholds. The sentence check is a guard: it sits SENTENCE_MARGIN below the lowest
 * sentence similarity of any answerable question, so it refuses answers whose best quotable sentence
 * is less related to the question than any answerable question's was. The rest is a grid search: the
 * thresholds that refuse the most out-of-scope questions while refusing at most `maxFalseRefusal` of
 * the answerable ones; ties go to fewer false refusals, then to the lowest thresholds (the side that
 * refuses fewer unseen answerable questions).
 */
export function calibrate(points: CalibrationPoint[], maxFalseRefusal = 0.03): RefusalThresholds & { recall: number; falseRefusalRate: number } {
  const answerable = points.filter((p) => !p.outOfScope);
  const sims = answerable.map((p) => p.sentence).filter((x): x is number => x !== undefined);
  const sentence = sims.length ? Math.max(0, Math.round((Math.min(...sims) - SENTENCE_MARGIN) * 100) / 100) : 0;
  let best: (RefusalThresholds & { recall: number; falseRefusalRate: number; fp: number }) | undefined;
  const steps = (from: number, to: number, step: number) =>
    Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Math.round((from + i * step) * 100) / 100);
  for (const denseFloor of steps(0.3, 0.75, 0.01))
    for (const coverage of steps(0, 0.6, 0.05))
      for (const dense of steps(0.4, 0.8, 0.02)) {
        if (dense < denseFloor) continue;
        const t = { sentence, denseFloor, coverage, dense };
        const c = confusion(
          points,
          (p) => p.outOfScope,
          (p) => refuses(t, p),
        );
        if (c.falsePositives > maxFalseRefusal * answerable.length) continue;
        const better =
          !best ||
          c.recall > best.recall + 1e-9 ||
          (Math.abs(c.recall - best.recall) < 1e-9 &&
            (c.falsePositives < best.fp ||
              (c.falsePositives === best.fp && denseFloor + coverage + dense < best.denseFloor + best.coverage + best.dense - 1e-9)));
        if (better) best = { ...t, recall: c.recall, falseRefusalRate: answerable.length ? c.falsePositives / answerable.length : 0, fp: c.falsePositives };
      }
  const { fp: _fp, ...out } = best!;
  return out;
}
