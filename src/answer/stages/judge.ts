import { RunnableLambda } from '@langchain/core/runnables';
import type { BodyHit } from '../../retrieval/body/body-retriever.js';
import type { IdfWeights, PaperHit } from '../../retrieval/hybrid-retriever.js';
import { splitSentences, terms } from '../../retrieval/text.js';
import { withReferent, withoutTarget } from '../conversation.js';
import { shortTitle } from '../extractive.js';
import { sourcePassages } from '../extractive.js';
import { SentenceMeaning } from '../meaning.js';
import { isUnsupported } from '../refusal.js';
import { relevantSources } from '../relevance.js';
import type { Source } from '../types.js';
import type { Judged, Retrieved, StageDeps } from './types.js';

type Weighed = Omit<Judged, 'llmMsLeft'>;

/**
 * Judge: which papers to answer from, numbered, and whether the evidence is too weak to answer at
 * all — the encoder's refusal thresholds offline; with a language model, also its rating of each
 * source (sources it rates irrelevant are dropped; none left is a refusal).
 */
export function judgeStage(d: StageDeps) {
  return RunnableLambda.from(async (r: Retrieved): Promise<Judged> => rateSources(d, await weighEvidence(d, r))).withConfig({ runName: 'judge' });
}

/** The offline verdict. `measureAll`: embed the candidate sentences even when the question is refused anyway (calibration). */
export async function weighEvidence(d: StageDeps, r: Retrieved, measureAll = false): Promise<Weighed> {
  const top = r.hits[0]?.score ?? 0;
  // A follow-up about one paper answers from it; "which of them …" from the earlier sources that match best.
  // A question that names its best paper ("What is CLIP?") is answered from that paper too.
  const named = r.focus.length === 0 && !!r.hits[0]?.signals.named;
  const chosen = r.among
    ? r.hits.slice(0, r.focus.length).filter((h, i) => i === 0 || h.score >= 0.5 * top)
    : r.focus.length || named
      ? r.hits.slice(0, 1)
      : r.hits.filter((h, i) => i === 0 || h.score >= 0.5 * top).slice(0, d.maxSources);
  const sources = chosen.map((h, i) => {
    const s = withBody(d.model ? h.passages.map((p) => p.text) : sourcePassages(h), h, i + 1, r.body.get(h.id), chosen.length);
    const termWeight = s.sections && d.body?.termWeight(h.id);
    return termWeight ? { ...s, termWeight } : s;
  });
  // Refusal is an OR of checks: when the paper-level ones already refuse, the sentences (~100 ms of
  // embedding) cannot change that, so they are only measured when they can.
  const byBody = r.focus.length === 0 && answeredByBody(r.body.get(chosen[0]?.id ?? ''), d.refusal);
  // (Unless the question says the best paper's name: then its sentences decide, see isUnsupported.)
  const refusedAnyway = r.focus.length === 0 && !byBody && !r.hits[0]?.signals.mentioned && isUnsupported(r.hits, d.refusal);
  // What could be quoted, by meaning: for choosing sentences, and for refusing when none addresses the question.
  let meaning = new Map<string, number>();
  const own = withoutTarget(r.resolved);
  const idf = await d.retriever.idfWeights(own);
  if (d.meaning && (!refusedAnyway || measureAll)) {
    // Abstract sentences are embedded one by one; a body passage's sentences take the passage's own
    // similarity below (its vector is stored: no encoder call), which keeps a full-text answer fast.
    const quotable = chosen.map((h) => ({ passages: sourcePassages(h) }));
    // The question as a vector: the retrieval vector unless a paper's title was appended.
    const vector = own === r.resolved ? r.vector : await d.retriever.embeddings.embedQuery(own);
    meaning = await d.meaning.similarities(vector, SentenceMeaning.candidates(own, quotable, idf));
    for (const b of chosen.flatMap((h) => r.body.get(h.id) ?? [])) for (const s of splitSentences(b.passage.text)) if (!meaning.has(s)) meaning.set(s, b.dense);
  }
  const sentence = meaning.size ? Math.max(...meaning.values()) : undefined;
  // A follow-up is answered from the earlier sources; refused only when none of their sentences
  // comes near it in meaning or words and the library's own ranking would refuse it too.
  // In a paper's thread there is no library to fall back on: the paper addresses it, or it is refused.
  const offFocus =
    (r.unfocused || r.within) &&
    sentence !== undefined &&
    sentence < d.refusal.sentence &&
    !sharesWords(own, chosen, idf) &&
    !(await answersWhenNamed(d, own, chosen, meaning));
  const offLibrary = () => !r.unfocused || isUnsupported(r.unfocused, d.refusal);
  const refuse = !byBody && (refusedAnyway || (r.focus.length === 0 ? isUnsupported(r.hits, d.refusal, sentence) : !!offFocus && offLibrary()));
  return { ...r, sources, hitOf: new Map(sources.map((s, i) => [s.n, chosen[i]!])), refuse, meaning, idf };
}

/**
 * With a language model: one structured call rates each source (0–10); sources rated below
 * RELEVANT are dropped, and none left is a refusal. A timeout or an unusable reply leaves the
 * offline verdict as it is. The rating and the answer share LLM_TIMEOUT_MS.
 */
async function rateSources(d: StageDeps, s: Weighed): Promise<Judged> {
  const started = performance.now();
  const left = () => Math.max(0, Math.floor(d.timeoutMs - (performance.now() - started)));
  if (!d.model || s.refuse) return { ...s, llmMsLeft: d.timeoutMs };
  try {
    // At most half the deadline: the composer always keeps the other half.
    const keep = await relevantSources(d.model, s.resolved, s.sources, Math.floor(d.timeoutMs / 2));
    const sources = s.sources.filter((x) => keep.has(x.n));
    return { ...s, sources, refuse: sources.length === 0, llmMsLeft: left() };
  } catch (err) {
    d.log?.warn(`source rating unavailable (${(err as Error).message}); the similarity thresholds decide`);
    return { ...s, llmMsLeft: left() };
  }
}

/**
 * "does it need training?" says little on its own: measured again as "does CaSED need training?"
 * (the paper it points at named), does one of the paper's sentences come near it in meaning? Only
 * asked on the way to a refusal: the sentence vectors are cached, one question vector is computed.
 */
async function answersWhenNamed(d: StageDeps, question: string, chosen: PaperHit[], meaning: Map<string, number>): Promise<boolean> {
  const paper = chosen[0];
  if (!d.meaning || chosen.length !== 1 || !paper || meaning.size === 0) return false;
  const named = withReferent(question, shortTitle(paper.title));
  if (named === question) return false;
  const again = await d.meaning.similarities(await d.retriever.embeddings.embedQuery(named), [...meaning.keys()]);
  return Math.max(...again.values()) >= d.refusal.sentence;
}

/** Do the papers' abstracts share a rare word of the question (BM25 IDF above 1.5: in fewer than about a fifth of the papers)? */
function sharesWords(question: string, papers: PaperHit[], idf: IdfWeights): boolean {
  const q = [...new Set(terms(question))].filter((t) => idf(t, 'zero') > 1.5);
  if (q.length === 0) return false;
  return papers.some((h) => {
    const t = new Set(terms(h.paper.abstract));
    return q.some((x) => t.has(x));
  });
}

/** Body passages per source when the answer may come from several papers (each keeps the best of its own). */
const BODY_PER_SOURCE_OF_MANY = 3;

/** A numbered source: its abstract passages, then (when the library has its full text) its best body passages with their sections. */
function withBody(abstract: string[], h: PaperHit, n: number, body: BodyHit[] | undefined, of: number): Source {
  const s: Source = { n, id: h.id, title: h.title, passages: abstract };
  if (h.url) s.url = h.url;
  const taken = (body ?? []).slice(0, of > 1 ? BODY_PER_SOURCE_OF_MANY : undefined);
  if (taken.length === 0) return s;
  s.passages = [...abstract, ...taken.map((b) => b.passage.text)];
  const best = Math.max(taken[0]!.score, 1e-9);
  s.sections = new Map(
    taken.map((b) => [
      b.passage.text,
      { label: b.passage.section.label, title: b.passage.section.title, relevance: b.score / best, ...(b.url ? { url: b.url } : {}) },
    ]),
  );
  return s;
}

/** Does a passage of the best paper's body hold the question's words and meaning (the encoder's body thresholds)? */
function answeredByBody(body: BodyHit[] | undefined, t: StageDeps['refusal']): boolean {
  if (!t.body || !body) return false;
  const { close, coverage, dense } = t.body;
  return body.some((b) => b.dense >= close || (b.coverage >= coverage && b.dense >= dense));
}
