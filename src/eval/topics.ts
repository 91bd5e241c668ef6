import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { DEFAULT_TOPIC_THRESHOLDS, calibrateTopics, type PairPoint } from '../topics/match.js';
import { loadSeedQuestions } from './seeds.js';

/** Seed questions as topics: every (topic, paper) pair, labelled by the question's gold papers. */
export async function evalTopics(retriever: HybridRetriever, file: string) {
  const questions = loadSeedQuestions(file, retriever.allPapers().map((p) => p.id));
  const points: PairPoint[] = [];
  for (const q of questions) {
    for (const h of await retriever.search(q.q, { k: retriever.size, passages: 0 })) {
      points.push({ match: q.gold.includes(h.id), dense: h.signals.dense, coverage: h.signals.coverage });
    }
  }
  const t = DEFAULT_TOPIC_THRESHOLDS;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const p of points) {
    const yes = p.dense >= t.dense && p.coverage >= t.coverage;
    if (yes && p.match) tp++;
    else if (yes) fp++;
    else if (p.match) fn++;
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { pairs: points.length, positives: points.filter((p) => p.match).length, precision: r(tp / Math.max(1, tp + fp)), recall: r(tp / Math.max(1, tp + fn)), calibrated: calibrateTopics(points) };
}
