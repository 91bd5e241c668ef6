import fs from 'node:fs';
import type { AnswerChain } from '../answer/chain.js';
import { percentile } from './metrics.js';
import type { Split } from './questions.js';

/**
 * The detail question set (`eval/details.json`): single questions and two-turn follow-ups asking
 * for one detail (a number, a name, a definition), each with the short strings one of which the
 * answer must contain. Written before the answers were seen; `tune` is the half read while
 * developing, `heldout` the half reported.
 */
export interface DetailQuestion {
  kind: 'single' | 'followup';
  /** One question, or the turns of a conversation (the last asks for the detail). */
  turns: string[];
  expect: string[];
  /** The start of the title of the paper that holds the detail. */
  paper: string;
  split: 'tune' | 'heldout';
}

export interface DetailOutcome {
  kind: DetailQuestion['kind'];
  question: string;
  found: boolean;
  refused: boolean;
  /** The first citation is the paper that holds the detail. */
  rightPaper: boolean;
  answer: string;
}

export interface KindScore {
  questions: number;
  /** The detail is in the answer (a refusal counts as not found). */
  found: number;
  refused: number;
  rightPaper: number;
}

export interface DetailEval {
  split: Split;
  single: KindScore;
  followup: KindScore;
  misses: DetailOutcome[];
  latencyMs: { p50: number; p95: number };
}

/** Text as the comparison sees it: case, Unicode forms, thousands separators, `\%`, `\times`/×/x and spacing folded. */
export function foldForMatch(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\\%/g, '%')
    .replace(/(\d)\s*(?:\\times|times|×)\s*(?=\d)/g, '$1x')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/[\u2010-\u2015]/g, '-')
    .replace(/\s+/g, ' ');
}

export const containsDetail = (answer: string, expect: string[]) => expect.some((e) => foldForMatch(answer).includes(foldForMatch(e)));

export function loadDetails(file: string, split: Split): DetailQuestion[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { questions: DetailQuestion[] };
  return data.questions.filter((q) => split === 'all' || q.split === split);
}

/** Asks every question (each in a conversation of its own) and scores the last turn's answer. */
export async function evalDetails(chain: AnswerChain, file: string, split: Split): Promise<DetailEval> {
  const questions = loadDetails(file, split);
  await chain.ask('warm up');
  const outcomes: DetailOutcome[] = [];
  const latencies: number[] = [];
  for (const [i, q] of questions.entries()) {
    const conversation = `eval-details-${i}`;
    let last = await chain.ask(q.turns[0]!, conversation);
    for (const turn of q.turns.slice(1)) {
      const t = performance.now();
      last = await chain.ask(turn, conversation);
      latencies.push(performance.now() - t);
    }
    if (q.turns.length === 1) latencies.push(0);
    await chain.conversations.reset(conversation);
    const refused = last.refused;
    outcomes.push({
      kind: q.kind,
      question: q.turns.join(' → '),
      found: !refused && containsDetail(last.answer, q.expect),
      refused,
      rightPaper: !refused && !!last.citations[0]?.title.startsWith(q.paper),
      answer: last.answer,
    });
  }
  const score = (kind: DetailQuestion['kind']): KindScore => {
    const of = outcomes.filter((o) => o.kind === kind);
    return {
      questions: of.length,
      found: of.filter((o) => o.found).length,
      refused: of.filter((o) => o.refused).length,
      rightPaper: of.filter((o) => o.rightPaper).length,
    };
  };
  const timed = latencies.filter((x) => x > 0);
  return {
    split,
    single: score('single'),
    followup: score('followup'),
    misses: outcomes.filter((o) => !o.found),
    latencyMs: { p50: timed.length ? percentile(timed, 50) : 0, p95: timed.length ? percentile(timed, 95) : 0 },
  };
}

const share = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)} % (${n}/${of})` : '—');

export function formatDetailEval(e: DetailEval, showMisses = false): string {
  const row = (name: string, s: KindScore) =>
    `${name.padEnd(11)} detail in the answer ${share(s.found, s.questions).padEnd(16)} refused ${share(s.refused, s.questions).padEnd(14)} right paper first ${share(s.rightPaper, s.questions)}`;
  return [
    `split: ${e.split}`,
    row('single', e.single),
    row('follow-ups', e.followup),
    `follow-up turn latency (extractive unless an LLM is configured): p50 ${e.latencyMs.p50.toFixed(1)} ms, p95 ${e.latencyMs.p95.toFixed(1)} ms`,
    ...(showMisses ? ['', 'misses:', ...e.misses.map((m) => `- ${m.refused ? '[refused] ' : ''}${m.question}\n    ${m.answer.slice(0, 400)}`)] : []),
  ].join('\n');
}
