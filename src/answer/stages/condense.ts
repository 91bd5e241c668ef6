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
    const { question: resolved, focus, among } = resolveFollowUp(input.question, turns);
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
