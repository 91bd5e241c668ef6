import { round } from '../util.js';
import { confusion } from '../confusion.js';
import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { DEFAULT_TOPIC_THRESHOLDS, calibrateTopics, type PairPoint } from '../topics/match.js';
import { loadSeedQuestions } from './seeds.js';

/** Seed questions as topics: every (topic, paper) pair, labelled by the question's gold papers. */
export async function evalTopics(retriever: HybridRetriever, file: string) {
  const questions = loadSeedQuestions(file, await retriever.catalog.ids());
  const points: PairPoint[] = [];
  for (const q of questions) {
    for (const h of await retriever.search(q.q, { k: await retriever.catalog.count(), passages: 0 })) {
      points.push({ match: q.gold.includes(h.id), dense: h.signals.dense, coverage: h.signals.coverage });
    }
  }
  const t = DEFAULT_TOPIC_THRESHOLDS;
  const { precision, recall } = confusion(
    points,
    (p) => p.match,
    (p) => p.dense >= t.dense && p.coverage >= t.coverage,
  );
  const r = (x: number) => round(x, 3);
  return {
    pairs: points.length,
    positives: points.filter((p) => p.match).length,
    precision: r(precision),
    recall: r(recall),
    calibrated: calibrateTopics(points),
  };
}
