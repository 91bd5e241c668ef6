import { round } from '../util.js';
import fs from 'node:fs';
import type { FusionParams } from '../retrieval/fusion.js';
import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { mean } from './metrics.js';

export type QuestionKind = 'literal' | 'paraphrase' | 'multi' | 'out_of_scope';

export interface SeedQuestion {
  kind: QuestionKind;
  q: string;
  /** Resolved paper ids (the file holds unique id prefixes). */
  gold: string[];
}

/** Loads the question set and resolves each gold id prefix to exactly one paper id. */
export function loadSeedQuestions(file: string, paperIds: string[]): SeedQuestion[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { questions: { kind: QuestionKind; q: string; gold: string[] }[] };
  return data.questions.map((x, i) => ({
    kind: x.kind,
    q: x.q,
    gold: x.gold.map((prefix) => {
      const ids = paperIds.filter((id) => id.startsWith(prefix));
      if (ids.length !== 1) throw new Error(`${file}: question ${i + 1}: gold "${prefix}" matches ${ids.length} papers`);
      return ids[0]!;
    }),
  }));
}

/**
 * Recall@k of one question: for single-answer kinds, 1 if any gold paper is in the top k; for
 * `multi`, the share of gold papers in the top k out of the most that fit (min(k, |gold|)).
 */
export function recallOf(q: SeedQuestion, ranked: string[], k: number): number {
  const top = ranked.slice(0, k);
  const found = q.gold.filter((g) => top.includes(g)).length;
  if (q.kind === 'multi') return found / Math.min(k, q.gold.length);
  return found > 0 ? 1 : 0;
}

export const RANKINGS: Record<string, (base: FusionParams) => FusionParams> = {
  lexical: (b) => ({ ...b, method: 'lexical' }),
  dense: (b) => ({ ...b, method: 'dense' }),
  fused: (b) => b,
};

export interface SeedEval {
  /** ranking → kind → { r1, r3, n } */
  recall: Record<string, Record<string, { r1: number; r3: number; n: number }>>;
  /** Best raw signals for answerable vs out-of-scope questions (for refusal calibration). */
  topSignals: { kind: QuestionKind; q: string; lexical: number; dense: number }[];
}

export async function evalSeeds(retriever: HybridRetriever, file: string, fusion: FusionParams = retriever.fusion): Promise<SeedEval> {
  const questions = loadSeedQuestions(file, await retriever.catalog.ids());
  const recall: SeedEval['recall'] = {};
  const topSignals: SeedEval['topSignals'] = [];
  for (const [name, make] of Object.entries(RANKINGS)) {
    const per: Record<string, { r1: number[]; r3: number[] }> = {};
    for (const q of questions) {
      const hits = await retriever.search(q.q, { k: 10, passages: 0, fusion: make(fusion) });
      if (name === 'fused') {
        topSignals.push({
          kind: q.kind,
          q: q.q,
          lexical: Math.max(0, ...hits.map((h) => h.signals.lexical)),
          dense: Math.max(0, ...hits.map((h) => h.signals.dense)),
        });
      }
      if (q.kind === 'out_of_scope') continue;
      const ranked = hits.map((h) => h.id);
      per[q.kind] ??= { r1: [], r3: [] };
      per[q.kind]!.r1.push(recallOf(q, ranked, 1));
      per[q.kind]!.r3.push(recallOf(q, ranked, 3));
    }
    recall[name] = Object.fromEntries(Object.entries(per).map(([kind, v]) => [kind, { r1: round(mean(v.r1), 3), r3: round(mean(v.r3), 3), n: v.r1.length }]));
  }
  return { recall, topSignals };
}

export function formatSeedEval(e: SeedEval): string {
  const kinds = ['literal', 'paraphrase', 'multi'];
  const lines = [`ranking  | ${kinds.map((k) => `${k} R@1 / R@3`.padEnd(24)).join(' | ')}`];
  for (const [name, per] of Object.entries(e.recall)) {
    lines.push(`${name.padEnd(8)} | ${kinds.map((k) => `${per[k]?.r1.toFixed(3)} / ${per[k]?.r3.toFixed(3)} (n=${per[k]?.n})`.padEnd(24)).join(' | ')}`);
  }
  return lines.join('\n');
}
