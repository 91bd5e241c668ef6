import { clip } from '../util.js';
import type { PaperHit } from './hybrid-retriever.js';

/** The `--json` shape of a search hit: `{ id, title, score, url?, passages: [{ text, score }] }`. */
export function hitToJson(h: PaperHit) {
  return {
    id: h.id,
    title: h.title,
    score: h.score,
    ...(h.url ? { url: h.url } : {}),
    passages: h.passages.map((p) => ({ text: p.text, score: p.score })),
  };
}

/** Plain-text rendering for terminals. */
export function formatHits(hits: PaperHit[]): string {
  if (hits.length === 0) return 'No matching papers.';
  return hits
    .map((h, i) => {
      const passage = h.passages[0]?.text ?? '';
      const snippet = clip(passage, 240);
      return `${i + 1}. ${h.title}  (score ${h.score.toFixed(3)})\n   ${snippet}`;
    })
    .join('\n');
}
