import fs from 'node:fs';
import path from 'node:path';
import type { AnswerChain } from '../answer/chain.js';
import type { Answer } from '../answer/types.js';
import { containsDetail } from './details.js';
import { percentile } from './metrics.js';
import type { Split } from './questions.js';

/**
 * The full-text question set (`eval/fulltext-questions.json`), written from the papers before any
 * result was seen: `body` questions whose answer is only in a paper's body, `abstract` ones answered
 * by its abstract, `uncovered` ones no paper answers (to be refused). `paper` is the file's name
 * without extension; `answers` are short strings, any one of which counts.
 */
export interface FullTextQuestion {
  id: string;
  kind: 'body' | 'abstract' | 'uncovered';
  question: string;
  paper?: string;
  answers: string[];
  split: 'tune' | 'heldout';
}

export interface FullTextOutcome {
  id: string;
  kind: FullTextQuestion['kind'];
  question: string;
  refused: boolean;
  rightPaper: boolean;
  /** An expected answer is in the evidence of the first three citations. */
  inEvidence: boolean;
  /** …and in the answer text itself. */
  inAnswer: boolean;
  /** The first citation rests on a passage of the body (it carries a section). */
  fromBody: boolean;
  answer: string;
}

export interface FullTextScore {
  questions: number;
  rightPaper: number;
  inEvidence: number;
  inAnswer: number;
  refused: number;
  fromBody: number;
}

export interface FullTextEval {
  split: Split;
  body: FullTextScore;
  abstract: FullTextScore;
  uncovered: FullTextScore;
  latencyMs: { p50: number; p95: number };
  misses: FullTextOutcome[];
}

export function loadFullTextQuestions(file: string, split: Split): FullTextQuestion[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { questions: FullTextQuestion[] };
  return data.questions.filter((q) => split === 'all' || q.split === split);
}

/** The documents of a folder that `paperbot add` reads, in name order. */
export function documentsIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(x?html?|pdf)$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Asks each question on its own; `paperIds` maps a document's name (no extension) to its paper id in the library. */
export async function evalFullText(chain: AnswerChain, questions: FullTextQuestion[], paperIds: Map<string, string>, split: Split): Promise<FullTextEval> {
  await chain.ask('warm up');
  const outcomes: FullTextOutcome[] = [];
  const latencies: number[] = [];
  for (const q of questions) {
    const t = performance.now();
    const a = await chain.ask(q.question);
    latencies.push(performance.now() - t);
    outcomes.push(outcomeOf(q, a, q.paper ? paperIds.get(q.paper) : undefined));
  }
  const score = (kind: FullTextQuestion['kind']): FullTextScore => {
    const of = outcomes.filter((o) => o.kind === kind);
    const n = (f: (o: FullTextOutcome) => boolean) => of.filter(f).length;
    return {
      questions: of.length,
      rightPaper: n((o) => o.rightPaper),
      inEvidence: n((o) => o.inEvidence),
      inAnswer: n((o) => o.inAnswer),
      refused: n((o) => o.refused),
      fromBody: n((o) => o.fromBody),
    };
  };
  return {
    split,
    body: score('body'),
    abstract: score('abstract'),
    uncovered: score('uncovered'),
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
    misses: outcomes.filter((o) => (o.kind === 'uncovered' ? !o.refused : !o.inEvidence || !o.rightPaper)),
  };
}

function outcomeOf(q: FullTextQuestion, a: Answer, paperId: string | undefined): FullTextOutcome {
  const evidence = a.evidence.slice(0, 3).map((e) => e.text);
  return {
    id: q.id,
    kind: q.kind,
    question: q.question,
    refused: a.refused,
    rightPaper: !a.refused && paperId !== undefined && a.citations[0]?.id === paperId,
    inEvidence: !a.refused && q.answers.length > 0 && evidence.some((e) => containsDetail(e, q.answers)),
    inAnswer: !a.refused && q.answers.length > 0 && containsDetail(a.answer, q.answers),
    fromBody: !a.refused && !!a.evidence[0]?.section,
    answer: a.refused ? '(refused)' : a.answer,
  };
}

const share = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)} % (${n}/${of})` : '—');

export function formatFullTextEval(e: FullTextEval, showMisses = false): string {
  const row = (name: string, s: FullTextScore) =>
    `${name.padEnd(10)} answer in cited evidence ${share(s.inEvidence, s.questions).padEnd(16)} in the answer ${share(s.inAnswer, s.questions).padEnd(16)} right paper first ${share(s.rightPaper, s.questions).padEnd(16)} refused ${share(s.refused, s.questions)}`;
  return [
    `split: ${e.split}`,
    row('body', e.body),
    row('abstract', e.abstract),
    `uncovered  refused ${share(e.uncovered.refused, e.uncovered.questions)}`,
    `first citation from the body: body questions ${share(e.body.fromBody, e.body.questions)}, abstract questions ${share(e.abstract.fromBody, e.abstract.questions)}`,
    `answer latency: p50 ${e.latencyMs.p50.toFixed(1)} ms, p95 ${e.latencyMs.p95.toFixed(1)} ms`,
    ...(showMisses ? ['', 'misses:', ...e.misses.map((m) => `- [${m.id}] ${m.question}\n    ${m.answer.slice(0, 300)}`)] : []),
  ].join('\n');
}
