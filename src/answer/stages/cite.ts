import { RunnableLambda } from '@langchain/core/runnables';
import type { Answer, Citation, Evidence } from '../types.js';
import type { Composed } from './types.js';

/** What a refusal says (the closest papers are listed beside it, as such). */
export const REFUSAL_TEXT = 'The library has no paper on that, so I cannot answer it from the papers I have.';

/**
 * Cite: citations renumbered by first appearance, each checked to map to a source, with the passage
 * it rests on; a refusal (or nothing left to say) becomes the refusal with the closest papers.
 */
export function citeStage(opts: { refusalText?: string } = {}) {
  const refusalText = opts.refusalText ?? REFUSAL_TEXT;
  return RunnableLambda.from((c: Composed): Answer => (c.refuse || c.modelRefused || !c.text ? refusal(c, refusalText) : cited(c))).withConfig({
    runName: 'cite',
  });
}

function refusal(c: Composed, text: string): Answer {
  const closest = c.hits.slice(0, 3).map((h) => (h.url ? { id: h.id, title: h.title, url: h.url } : { id: h.id, title: h.title }));
  return {
    answer: text,
    citations: [],
    evidence: [],
    refused: true,
    closest,
    resolvedQuestion: c.resolved,
    ...(c.notice ? { notice: c.notice } : {}),
  };
}

function cited(c: Composed): Answer {
  const order: number[] = [];
  for (const m of c.text.matchAll(/\[(\d+)\]/g)) {
    const n = Number(m[1]);
    if (!order.includes(n) && c.sources.some((s) => s.n === n)) order.push(n);
  }
  const renumber = new Map(order.map((n, i) => [n, i + 1]));
  const answer = c.text.replace(/\[(\d+)\]/g, (_m, n: string) => (renumber.has(Number(n)) ? `[${renumber.get(Number(n))}]` : ''));
  const citations: Citation[] = order.map((n) => {
    const s = c.sources.find((x) => x.n === n)!;
    return s.url ? { n: renumber.get(n)!, id: s.id, title: s.title, url: s.url } : { n: renumber.get(n)!, id: s.id, title: s.title };
  });
  const evidence: Evidence[] = order.map((n) => ({ n: renumber.get(n)!, text: c.evidenceFor.get(n) ?? c.sources.find((x) => x.n === n)!.passages[0] ?? '' }));
  return {
    answer,
    citations,
    evidence,
    refused: false,
    resolvedQuestion: c.resolved,
    ...(c.notice ? { notice: c.notice } : {}),
    ...(c.quoted ? { quoted: c.quoted } : {}),
  };
}
