import { round } from '../util.js';
import fs from 'node:fs';
import type { AnswerChain } from '../answer/chain.js';
import type { FusionParams } from '../retrieval/fusion.js';
import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { mean, percentile } from './metrics.js';
import { RANKINGS } from './seeds.js';

/**
 * The question set of `eval/questions.json`: written before results were seen, split into a `tune`
 * half (the only one thresholds and weights may be fitted on) and a `heldout` half (reported).
 */
export interface EvalQuestion {
  kind: 'paraphrase' | 'multi' | 'offtopic';
  question: string;
  gold: string[];
  split: 'tune' | 'heldout';
}

export type Split = 'tune' | 'heldout' | 'all';

export function loadQuestions(file: string, split: Split, paperIds?: string[]): EvalQuestion[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { questions: EvalQuestion[] };
  const known = paperIds && new Set(paperIds);
  data.questions.forEach((q, i) => {
    for (const g of q.gold) if (known && !known.has(g)) throw new Error(`${file}: question ${i + 1}: gold "${g}" is not in the library`);
  });
  return data.questions.filter((q) => split === 'all' || q.split === split);
}

/** Share of gold papers in the top k, out of the most that fit there (min(k, |gold|)). */
export function recallAtK(gold: string[], ranked: string[], k: number): number {
  if (gold.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return gold.filter((g) => top.has(g)).length / Math.min(k, gold.length);
}

export interface QuestionEval {
  split: Split;
  /** ranking → { paraphrase R@1 / R@3, multi R@3 } */
  retrieval: Record<string, { paraphraseR1: number; paraphraseR3: number; multiR3: number }>;
  counts: { paraphrase: number; multi: number; offtopic: number };
  /** Off-topic and junk questions refused (share). */
  offtopicRefused: number;
  /** Answerable (paraphrase + multi) questions refused (share). */
  answerableRefused: number;
  /** Answered paraphrase questions whose first citation is the gold paper. */
  firstCitationGold: number;
  /** Paraphrase questions answered (not refused): what firstCitationGold is a share of. */
  answeredParaphrases: number;
  /** Questions answered when they should have been refused, and the reverse (for the README). */
  mistakes: { question: string; expected: 'refusal' | 'answer'; got: string }[];
  latencyMs: { p50: number; p95: number };
}

export async function evalQuestions(
  chain: AnswerChain,
  retriever: HybridRetriever,
  file: string,
  split: Split,
  fusion: FusionParams = retriever.fusion,
): Promise<QuestionEval> {
  const questions = loadQuestions(file, split, await retriever.catalog.ids());
  const retrieval: QuestionEval['retrieval'] = {};
  for (const [name, make] of Object.entries(RANKINGS)) {
    const r1: number[] = [];
    const r3: number[] = [];
    const m3: number[] = [];
    for (const q of questions) {
      if (q.kind === 'offtopic') continue;
      const ranked = (await retriever.search(q.question, { k: 10, passages: 0, fusion: make(fusion) })).map((h) => h.id);
      if (q.kind === 'paraphrase') {
        r1.push(recallAtK(q.gold, ranked, 1));
        r3.push(recallAtK(q.gold, ranked, 3));
      } else m3.push(recallAtK(q.gold, ranked, 3));
    }
    retrieval[name] = { paraphraseR1: round(mean(r1), 3), paraphraseR3: round(mean(r3), 3), multiR3: round(mean(m3), 3) };
  }
  await chain.ask('warm up');
  const latencies: number[] = [];
  const mistakes: QuestionEval['mistakes'] = [];
  let offRefused = 0;
  let ansRefused = 0;
  let answeredPara = 0;
  let firstGold = 0;
  for (const q of questions) {
    const t = performance.now();
    const a = await chain.ask(q.question);
    latencies.push(performance.now() - t);
    if (q.kind === 'offtopic') {
      if (a.refused) offRefused++;
      else mistakes.push({ question: q.question, expected: 'refusal', got: a.citations.map((c) => c.title).join(' · ') });
      continue;
    }
    if (a.refused) {
      ansRefused++;
      mistakes.push({ question: q.question, expected: 'answer', got: 'refused' });
    } else if (q.kind === 'paraphrase') {
      answeredPara++;
      if (a.citations[0] && q.gold.includes(a.citations[0].id)) firstGold++;
    }
  }
  const counts = {
    paraphrase: questions.filter((q) => q.kind === 'paraphrase').length,
    multi: questions.filter((q) => q.kind === 'multi').length,
    offtopic: questions.filter((q) => q.kind === 'offtopic').length,
  };
  return {
    split,
    retrieval,
    counts,
    offtopicRefused: round(counts.offtopic ? offRefused / counts.offtopic : 0, 3),
    answerableRefused: round(ansRefused / Math.max(1, counts.paraphrase + counts.multi), 3),
    firstCitationGold: round(answeredPara ? firstGold / answeredPara : 0, 3),
    answeredParaphrases: answeredPara,
    mistakes,
    latencyMs: { p50: round(percentile(latencies, 50), 3), p95: round(percentile(latencies, 95), 3) },
  };
}

export function formatQuestionEval(e: QuestionEval): string {
  const c = e.counts;
  // A kind of question the set does not have is shown as "—", not as a score of 0.
  const score = (n: number, x: number) => (n ? x.toFixed(3) : '—');
  const pct = (n: number, x: number) => (n ? `${(x * 100).toFixed(1)}%` : '—');
  const lines = [
    `split: ${e.split} (${c.paraphrase} paraphrase, ${c.multi} several-paper, ${c.offtopic} off-topic/junk)`,
    'ranking  | paraphrase R@1 | paraphrase R@3 | several-paper R@3',
    ...Object.entries(e.retrieval).map(
      ([n, r]) =>
        `${n.padEnd(8)} | ${score(c.paraphrase, r.paraphraseR1).padEnd(14)} | ${score(c.paraphrase, r.paraphraseR3).padEnd(14)} | ${score(c.multi, r.multiR3)}`,
    ),
    `off-topic/junk refused: ${pct(c.offtopic, e.offtopicRefused)}   answerable refused: ${pct(c.paraphrase + c.multi, e.answerableRefused)}`,
    `answered paraphrases whose first citation is the gold paper: ${pct(e.answeredParaphrases, e.firstCitationGold)}`,
    `answer latency (warm, extractive): p50 ${e.latencyMs.p50.toFixed(1)} ms, p95 ${e.latencyMs.p95.toFixed(1)} ms`,
    ...e.mistakes.map((m) => `  expected ${m.expected}: "${m.question}" -> ${m.got}`),
  ];
  return lines.join('\n');
}
