import { RunnableLambda } from '@langchain/core/runnables';
import { ACROSS_COVERAGE_WEIGHT as BODY_COVERAGE_WEIGHT, type BodyHit } from '../../retrieval/body/body-retriever.js';
import type { PaperHit } from '../../retrieval/hybrid-retriever.js';
import { withoutTarget } from '../conversation.js';
import type { Condensed, Retrieved, StageDeps } from './types.js';

/**
 * Retrieve: the papers for the condensed question. A follow-up keeps its earlier papers first
 * ("which of them …" ranks them all), and is also searched as it stands: when it names another
 * paper ("and what is CLIP?") it is a new question.
 */
export function retrieveStage(d: Pick<StageDeps, 'retriever' | 'body' | 'maxSources' | 'refusal'>) {
  return RunnableLambda.from(async (c: Condensed): Promise<Retrieved> => {
    const { retriever } = d;
    let { resolved, focus } = c;
    // The question is embedded once the lexical search has gone to the database (the retriever awaits it when it needs it).
    const embedding = retriever.embedQuestion(resolved);
    // A follow-up is also searched as it stands (it may name another paper); a thread's question is not.
    const ownEmbedding = focus.length && !c.among && !c.within ? retriever.embedQuestion(c.question) : undefined;
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
      hits = c.within ? focused : [...focused, ...hits.filter((h) => !focus.includes(h.id))].slice(0, Math.max(8, focused.length));
    }
    if (!focus.length) hits = await withBodyLeader(d, hits, resolved, vector);
    const body = await bodyPassagesFor(d, hits, resolved, vector);
    return { ...c, resolved, focus, vector, hits, body, ...(focus.length && unfocused ? { unfocused } : {}) };
  }).withConfig({ runName: 'retrieve' });
}

/** How much better (cosine + words held) another paper's best body passage must be than the leading paper's to lead instead. */
const BODY_LEAD_MARGIN = 0.05;

/**
 * A question about no particular paper may be answered by a paper whose abstract says nothing of it
 * ("how many features remain after L1 regularization in ParaSempre?": the name is only in the body).
 * When one full text's best passage answers it (the encoder's body thresholds) clearly better than
 * the leading paper's body or abstract (cosine plus the share of the question's words held), that paper leads.
 */
async function withBodyLeader(d: Pick<StageDeps, 'retriever' | 'body' | 'refusal'>, hits: PaperHit[], resolved: string, vector: number[]): Promise<PaperHit[]> {
  const first = hits[0];
  const t = d.refusal.body;
  if (!d.body || !t || first?.signals.named) return hits;
  const question = withoutTarget(resolved);
  const [best, ...rest] = await d.body.bestOfEach(question, vector);
  if (!best || best.paperId === first?.id) return hits;
  const answers = best.hit.dense >= t.close || (best.hit.coverage >= t.coverage && best.hit.dense >= t.dense);
  // The leading paper is weighed by the better of its body and its abstract, on the same scale.
  const firstAbstract = first ? first.signals.dense + BODY_COVERAGE_WEIGHT * first.signals.coverage : 0;
  const firstScore = Math.max(rest.find((b) => b.paperId === first?.id)?.score ?? 0, firstAbstract);
  const beaten = best.score > firstScore + BODY_LEAD_MARGIN;
  if (!answers || !beaten) return hits;
  const lead = hits.find((h) => h.id === best.paperId) ?? (await d.retriever.hitFor(best.paperId, resolved, 3));
  return lead ? [lead, ...hits.filter((h) => h !== lead)] : hits;
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
