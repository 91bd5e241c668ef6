import { RunnableLambda } from '@langchain/core/runnables';
import { withoutTarget } from '../conversation.js';
import { composeExtractive, extractiveSource } from '../extractive.js';
import { LlmUnavailable, NO_ANSWER, askModel, citedSections, repairCitations } from '../llm.js';
import type { Composed, Judged, StageDeps } from './types.js';

export const UNAVAILABLE_NOTICE = 'The language model was unavailable, so this answer was composed directly from the abstracts.';

/**
 * Compose: the answer text, each claim citing a numbered source. With a language model its answer
 * (citations repaired, within what is left of the deadline); without one, or when it fails, the
 * extractive answer: the sentences that hold what was asked, quoted.
 */
export function composeStage(d: Pick<StageDeps, 'model' | 'timeoutMs' | 'log'>) {
  return RunnableLambda.from(async (s: Judged): Promise<Composed> => {
    if (s.refuse) return { ...s, text: '', evidenceFor: new Map() };
    if (!d.model) return extractive(s, false);
    try {
      if (s.llmMsLeft <= 0) throw new LlmUnavailable(`no reply within ${d.timeoutMs} ms`);
      const raw = (await askModel(d.model, s.resolved, s.sources, s.llmMsLeft, d.timeoutMs)).trim();
      if (NO_ANSWER.test(raw)) return { ...s, text: '', evidenceFor: new Map(), modelRefused: true };
      const { text, cited } = repairCitations(raw, new Set(s.sources.map((x) => x.n)));
      if (!text || cited.length === 0) throw new LlmUnavailable(text ? 'answer without valid citations' : 'empty answer');
      const passage = (n: number) => s.hitOf.get(n)?.passages[0]?.text ?? s.sources.find((x) => x.n === n)?.passages[0] ?? '';
      // A citation with a section rests on that section's passage; one without, on the paper's best abstract passage.
      const bySection = citedSections(text, s.sources);
      return { ...s, text, evidenceFor: new Map(cited.map((n) => [n, bySection.get(n) ?? [passage(n)]])) };
    } catch (err) {
      d.log?.warn(`language model unavailable (${(err as Error).message}); using the extractive answer`);
      return { ...extractive(s, true), notice: UNAVAILABLE_NOTICE };
    }
  }).withConfig({ runName: 'compose' });
}

/** `fromModelSources`: the sources were made for a model (whole passages): the extractive composer re-reads them as sentences. */
function extractive(s: Judged, fromModelSources: boolean): Composed {
  const sources = fromModelSources ? s.sources.map((x) => extractiveSource(x, s.hitOf.get(x.n)!)) : s.sources;
  // Sentences are chosen by the user's words; the appended title only steers retrieval.
  const r = composeExtractive(withoutTarget(s.resolved), sources, s.hits, s.idf, s.meaning, { avoid: s.avoid, repeatBest: s.repeatBest });
  const evidenceFor = new Map<number, string[]>();
  for (const u of r.used) evidenceFor.set(u.n, [...(evidenceFor.get(u.n) ?? []), u.passage]);
  return { ...s, text: r.answer, evidenceFor, quoted: r.quoted };
}
