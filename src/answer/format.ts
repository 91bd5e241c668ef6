import type { Answer } from './types.js';

/** The `--json` shape: `{ answer, citations: [{ n, id, title, url? }], evidence: [{ n, text, section?, url? }], refused }` (section and url for a passage of the paper's body). */
export function answerToJson(a: Answer) {
  return {
    answer: a.answer,
    citations: a.citations.map((c) => ({ n: c.n, id: c.id, title: c.title, ...(c.url ? { url: c.url } : {}) })),
    evidence: a.evidence.map((e) => ({ n: e.n, text: e.text, ...(e.section ? { section: e.section } : {}), ...(e.url ? { url: e.url } : {}) })),
    refused: a.refused,
    ...(a.closest ? { closest: a.closest } : {}),
    ...(a.notice ? { notice: a.notice } : {}),
  };
}

/** Plain text for terminals: the answer, then numbered sources (or the closest papers). */
export function formatAnswer(a: Answer): string {
  const lines = [a.notice ? `(${a.notice})` : '', a.answer].filter(Boolean);
  if (a.refused && a.closest?.length) {
    lines.push('', 'Closest papers (they do not answer it):', ...a.closest.map((c) => `  - ${c.title}`));
  }
  if (a.citations.length) lines.push('', ...a.citations.map((c) => `[${c.n}] ${c.title}${c.url ? ` <${c.url}>` : ''}`));
  return lines.join('\n');
}
