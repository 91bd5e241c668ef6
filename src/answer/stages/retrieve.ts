import { RunnableLambda } from '@langchain/core/runnables';
import type { BodyHit } from '../../retrieval/body/body-retriever.js';
import type { PaperHit } from '../../retrieval/hybrid-retriever.js';
import { withoutTarget } from '../conversation.js';
import type { Condensed, Retrieved, StageDeps } from './types.js';

/**
 * Retrieve: the papers for the condensed question. A follow-up keeps its earlier papers first
 * ("which of them …" ranks them all), and is also searched as it stands: when it names another
 * paper ("and what is CLIP?") it is a new question.
 */
export function retrieveStage(d: Pick<StageDeps, 'retriever' | 'body' | 'maxSources'>) {
  return RunnableLambda.from(async (c: Condensed): Promise<Retrieved> => {
    const { retriever } = d;
    let { resolved, focus } = c;
    // The question is embedded once the lexical search has gone to the database (the retriever awaits it when it needs it).
    const embedding = retriever.embedQuestion(resolved);
    const ownEmbedding = focus.length && !c.among ? retriever.embedQuestion(c.question) : undefined;
    const unfocusedSearch = ownEmbedding && retriever.searchWithVector(c.question, ownEmbedding, { k: 8, passages: 3 });
    let hits = await retriever.searchWithVector(resolved, embedding, { k: c.among ? 50 : 8, passages: 3 });
    let vector = await embedding;
    const unfocused = await unfocusedSearch;
    if (ownEmbedding && unfocused?.[0]?.signals.named && !focus.includes(unfocused[0].id)) {
      [resolved, focus, hits, vector] = [c.question, [], unfocused, await ownEmbedding];
    }
    if (focus.length) {
      const focused = (await Promise.all(focus.map(async (id) => hits.find((h) => h.id === id) ?? (await retriever.hitFor(id, resolved, 3))))).filter(
        (h): h is PaperHit => !!h,
      );
      if (c.among) focused.sort((a, b) => b.score - a.score);
      hits = [...focused, ...hits.filter((h) => !focus.includes(h.id))].slice(0, Math.max(8, focused.length));
    }
    const body = await bodyPassagesFor(d, hits, resolved, vector);
    return { ...c, resolved, focus, vector, hits, body, ...(focus.length && unfocused ? { unfocused } : {}) };
  }).withConfig({ runName: 'retrieve' });
}

/** Passages per paper body handed on: enough for the answer and the judge's sentence check, few enough to stay fast. */
const BODY_PASSAGES = 6;

/** The leading papers' body passages, ranked for the question in the user's words (the appended title only steers retrieval). */
async function bodyPassagesFor(
  d: Pick<StageDeps, 'body' | 'maxSources'>,
  hits: PaperHit[],
  resolved: string,
  vector: number[],
): Promise<Map<string, BodyHit[]>> {
  if (!d.body || hits.length === 0) return new Map();
  return d.body.rank(
    hits.slice(0, Math.min(3, d.maxSources)).map((h) => h.id),
    withoutTarget(resolved),
    vector,
    BODY_PASSAGES,
  );
}
