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
  // Whether the full text was read: a refusal after reading the papers says more than one from abstracts.
  const read = c.hits.slice(0, 3).filter((h) => c.body.has(h.id)).length;
  const bodies = read === 0 ? '' : ` I read the full text of ${read === 1 ? 'the closest paper' : `the ${read} closest papers`} as well.`;
  // In a paper's thread the refusal is about that paper, not the library.
  const what = c.within ? `"${c.within.title}" does not seem to say, so I cannot answer it from this paper.` : text;
  return {
    answer: `${what}${bodies}`,
    citations: [],
    evidence: [],
    refused: true,
    closest,
    resolvedQuestion: c.resolved,
    ...(c.notice ? { notice: c.notice } : {}),
  };
}

/** `[2]`, or `[2 §5.1]` for a passage of the paper's body. */
const CITATION = /\[(\d+)( §[^\]\s]+)?\]/g;

/** The passages citation n rests on (each quoted passage once), with its section and a link to it when it is from the body. */
function evidenceOf(c: Composed, n: number, shown: number): Evidence[] {
  const source = c.sources.find((x) => x.n === n)!;
  const texts = c.evidenceFor.get(n) ?? [source.passages[0] ?? ''];
  return texts.map((text) => {
    const section = source.sections?.get(text);
    if (!section) return { n: shown, text };
    const heading = section.label === section.title ? section.title : `${section.label} ${section.title}`;
    return { n: shown, text, section: heading, ...(section.url ? { url: section.url } : {}) };
  });
}

function cited(c: Composed): Answer {
  const order: number[] = [];
  for (const m of c.text.matchAll(CITATION)) {
    const n = Number(m[1]);
    if (!order.includes(n) && c.sources.some((s) => s.n === n)) order.push(n);
  }
  const renumber = new Map(order.map((n, i) => [n, i + 1]));
  const answer = c.text.replace(CITATION, (_m, n: string, section = '') => (renumber.has(Number(n)) ? `[${renumber.get(Number(n))}${section}]` : ''));
  const citations: Citation[] = order.map((n) => {
    const s = c.sources.find((x) => x.n === n)!;
    return s.url ? { n: renumber.get(n)!, id: s.id, title: s.title, url: s.url } : { n: renumber.get(n)!, id: s.id, title: s.title };
  });
  const evidence: Evidence[] = order.flatMap((n) => evidenceOf(c, n, renumber.get(n)!));
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
