import { round } from '../util.js';
import type { AnswerChain } from '../answer/chain.js';
import { calibrate, refusalScore, type CalibrationPoint } from '../answer/refusal.js';
import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { percentile } from './metrics.js';
import { loadQuestions } from './questions.js';
import { loadSeedQuestions } from './seeds.js';

export interface AnswerEval {
  questions: number;
  refusal: { precision: number; recall: number; falseRefusals: number };
  /** Share of answered in-scope questions whose first citation is a gold paper. */
  firstCitationGold: number;
  latencyMs: { p50: number; p95: number };
}

/** Answers every question of the older seed set with the chain (warm), and scores refusals and citations. */
export async function evalAnswers(chain: AnswerChain, retriever: HybridRetriever, file: string): Promise<AnswerEval> {
  const questions = loadSeedQuestions(file, await retriever.catalog.ids());
  const points: CalibrationPoint[] = [];
  for (const q of questions) points.push({ outOfScope: q.kind === 'out_of_scope', ...(await chain.signals(q.q)) });
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
  const r = (x: number) => round(x, 3);
  const s = refusalScore(retriever.profile.refusal, points);
  return {
    questions: questions.length,
    refusal: { precision: r(s.precision), recall: r(s.recall), falseRefusals: s.falseRefusals },
    firstCitationGold: r(answered ? firstGold / answered : 0),
    latencyMs: { p50: r(percentile(latencies, 50)), p95: r(percentile(latencies, 95)) },
  };
}

export function formatAnswerEval(e: AnswerEval): string {
  return [
    `questions: ${e.questions}`,
    `refusal precision ${e.refusal.precision.toFixed(3)}, recall ${e.refusal.recall.toFixed(3)} (${e.refusal.falseRefusals} answerable questions refused)`,
    `first citation is a gold paper: ${(e.firstCitationGold * 100).toFixed(1)}% of answered in-scope questions`,
    `extractive answer latency (warm): p50 ${e.latencyMs.p50.toFixed(1)} ms, p95 ${e.latencyMs.p95.toFixed(1)} ms`,
  ].join('\n');
}

/**
 * `paperbot eval refusal`: fits the refusal thresholds on the tune half of eval/questions.json plus
 * the older seed question set (the heldout half is never read), and prints every point's signals.
 */
export async function fitRefusal(chain: AnswerChain, retriever: HybridRetriever, questionsFile: string, seedFile: string): Promise<string> {
  const ids = await retriever.catalog.ids();
  const labelled = [
    ...loadQuestions(questionsFile, 'tune', ids).map((q) => ({ q: q.question, out: q.kind === 'offtopic' })),
    ...loadSeedQuestions(seedFile, ids).map((q) => ({ q: q.q, out: q.kind === 'out_of_scope' })),
  ];
  const points: (CalibrationPoint & { q: string })[] = [];
  for (const l of labelled) points.push({ q: l.q, outOfScope: l.out, ...(await chain.signals(l.q)) });
  const c = calibrate(points);
  const f = (x: number | undefined) => (x === undefined ? '  -  ' : x.toFixed(3));
  return [
    ...points
      .sort((a, b) => (b.sentence ?? 0) - (a.sentence ?? 0))
      .map((p) => `${p.outOfScope ? 'OFF' : 'ans'} sentence ${f(p.sentence)} dense ${f(p.dense)} coverage ${f(p.coverage)}  ${p.q.slice(0, 90)}`),
    '',
    `fitted on ${points.length} questions (${points.filter((p) => p.outOfScope).length} out of scope): ` +
      `sentence < ${c.sentence} or dense < ${c.denseFloor} or (coverage < ${c.coverage} and dense < ${c.dense}) -> ` +
      `refuses ${(c.recall * 100).toFixed(1)}% of out-of-scope, ${(c.falseRefusalRate * 100).toFixed(1)}% of answerable`,
  ].join('\n');
}
