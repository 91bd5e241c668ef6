import { RunnableLambda } from '@langchain/core/runnables';
import { ASKS_AGAIN, ASKS_MORE, resolveFollowUp } from '../conversation.js';
import type { AskInput, Condensed, StageDeps } from './types.js';

/**
 * Condense: a follow-up ("how many boxes does it have?") becomes a self-contained question about
 * the papers of the earlier answer; what was quoted before is remembered so it is not repeated.
 */
export function condenseStage(d: Pick<StageDeps, 'conversations'>) {
  return RunnableLambda.from(async (input: AskInput): Promise<Condensed> => {
    const turns = input.conversationId === undefined ? [] : await d.conversations.turns(input.conversationId);
    let { question: resolved, focus, among } = resolveFollowUp(input.question, turns);
    // In a paper's thread every question is about that paper.
    const w = input.within;
    if (w && (focus.length !== 1 || focus[0] !== w.id)) [resolved, focus, among] = [`${input.question} (about "${w.title}")`, [w.id], false];
    return {
      ...input,
      resolved,
      focus,
      among: !!among,
      avoid: new Set(ASKS_AGAIN.test(input.question) ? [] : turns.flatMap((t) => t.quoted ?? [])),
      repeatBest: !ASKS_MORE.test(input.question),
    };
  }).withConfig({ runName: 'condense' });
}
