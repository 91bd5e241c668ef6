import type { AnswerChain } from '../answer/chain.js';
import { DEFAULT_REFUSAL, calibrate, refusalScore, type CalibrationPoint } from '../answer/refusal.js';
import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { percentile } from './metrics.js';
import { loadSeedQuestions } from './seeds.js';

export interface AnswerEval {
  questions: number;
  refusal: { precision: number; recall: number; falseRefusals: number };
  calibrated: ReturnType<typeof calibrate>;
  /** Share of answered in-scope questions whose first citation is a gold paper. */
  firstCitationGold: number;
  latencyMs: { p50: number; p95: number };
}

/** Answers every seed question with the chain (warm), and scores refusals and citations. */
export async function evalAnswers(chain: AnswerChain, retriever: HybridRetriever, file: string): Promise<AnswerEval> {
  const questions = loadSeedQuestions(file, retriever.allPapers().map((p) => p.id));
  const points: CalibrationPoint[] = [];
  for (const q of questions) {
    const hits = await retriever.search(q.q, { k: 8, passages: 0 });
    points.push({ outOfScope: q.kind === 'out_of_scope', coverage: Math.max(...hits.slice(0, 3).map((h) => h.signals.coverage)), dense: hits[0]?.signals.dense ?? 0 });
  }
  await chain.ask('warm up');
  const latencies: number[] = [];
  let answered = 0;
  let firstGold = 0;
  for (const q of questions) {
    const t = performance.now();
    const a = await chain.ask(q.q);
    latencies.push(performance.now() - t);
    if (q.kind !== 'out_of_scope' && !a.refused) {
      answered++;
      if (a.citations[0] && q.gold.includes(a.citations[0].id)) firstGold++;
    }
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const s = refusalScore(DEFAULT_REFUSAL, points);
  return {
    questions: questions.length,
    refusal: { precision: r(s.precision), recall: r(s.recall), falseRefusals: s.falseRefusals },
    calibrated: calibrate(points),
    firstCitationGold: r(answered ? firstGold / answered : 0),
    latencyMs: { p50: r(percentile(latencies, 50)), p95: r(percentile(latencies, 95)) },
  };
}

export function formatAnswerEval(e: AnswerEval): string {
  const c = e.calibrated;
  return [
    `questions: ${e.questions}`,
    `refusal precision ${e.refusal.precision.toFixed(3)}, recall ${e.refusal.recall.toFixed(3)} (${e.refusal.falseRefusals} answerable questions refused)`,
    `first citation is a gold paper: ${(e.firstCitationGold * 100).toFixed(1)}% of answered in-scope questions`,
    `extractive answer latency (warm): p50 ${e.latencyMs.p50.toFixed(1)} ms, p95 ${e.latencyMs.p95.toFixed(1)} ms`,
    `calibration (best refusal F1 on this set): coverage < ${c.coverage} and dense < ${c.dense}, or dense < ${c.denseFloor}: precision ${c.precision.toFixed(3)}, recall ${c.recall.toFixed(3)}`,
  ].join('\n');
}
