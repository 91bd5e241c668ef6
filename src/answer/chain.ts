import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { RunnableSequence, type RunnableLike } from '@langchain/core/runnables';
import type { Logger } from '../log.js';
import type { BodyRetriever } from '../retrieval/body/body-retriever.js';
import type { RefusalThresholds } from '../retrieval/encoders/profiles.js';
import type { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { ConversationStore, type Conversations } from './conversation.js';
import { SentenceMeaning } from './meaning.js';
import { signalsOf, type EvidenceSignals } from './refusal.js';
import { citeStage } from './stages/cite.js';
import { composeStage } from './stages/compose.js';
import { condenseStage } from './stages/condense.js';
import { judgeStage, weighEvidence } from './stages/judge.js';
import { retrieveStage } from './stages/retrieve.js';
import type { AskInput, Composed, Condensed, Judged, Retrieved, StageDeps } from './stages/types.js';
import type { Answer } from './types.js';

export type { AskInput } from './stages/types.js';
export { UNAVAILABLE_NOTICE } from './stages/compose.js';

/** The answer pipeline's stages, each a runnable from one typed value to the next (any may be replaced). */
export interface AnswerStages {
  condense: RunnableLike<AskInput, Condensed>;
  retrieve: RunnableLike<Condensed, Retrieved>;
  judge: RunnableLike<Retrieved, Judged>;
  compose: RunnableLike<Judged, Composed>;
  cite: RunnableLike<Composed, Answer>;
}

export interface AnswerChainDeps {
  retriever: HybridRetriever;
  /** A chat model; undefined = the offline extractive composer. */
  model?: BaseChatModel;
  timeoutMs?: number;
  conversations?: Conversations;
  /** Refusal thresholds (default: the encoder profile's). */
  refusal?: RefusalThresholds;
  log?: Pick<Logger, 'warn'>;
  /** Papers considered as sources (the best ones, within half the top score). */
  maxSources?: number;
  /** Stages to use instead of the built-in ones. */
  stages?: Partial<AnswerStages>;
  /** Papers' full texts: answers quote their bodies too, citing the section. */
  body?: BodyRetriever;
}

/** The stages' shared settings from the chain's: defaults filled in, refusal from the encoder profile. */
export function stageDeps(deps: AnswerChainDeps): StageDeps {
  const refusal = deps.refusal ?? deps.retriever.profile.refusal;
  return {
    retriever: deps.retriever,
    timeoutMs: deps.timeoutMs ?? 20_000,
    conversations: deps.conversations ?? new ConversationStore(),
    refusal,
    maxSources: deps.maxSources ?? 5,
    ...(deps.model ? { model: deps.model } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.body ? { body: deps.body } : {}),
    // Sentence similarity only where the thresholds have a sentence check (not USE-lite).
    ...(refusal.sentence > 0 ? { meaning: new SentenceMeaning(deps.retriever.embeddings) } : {}),
  };
}

/**
 * Question → cited answer, as a LangChain runnable sequence of named stages (answer/stages/):
 * condense the conversation → retrieve → judge the evidence (or refuse) → compose → cite.
 */
export class AnswerChain {
  readonly conversations: Conversations;
  readonly runnable: RunnableSequence<AskInput, Answer>;
  private readonly d: StageDeps;

  constructor(deps: AnswerChainDeps) {
    this.d = stageDeps(deps);
    this.conversations = this.d.conversations;
    const s: AnswerStages = {
      condense: condenseStage(this.d),
      retrieve: retrieveStage(this.d),
      judge: judgeStage(this.d),
      compose: composeStage(this.d),
      cite: citeStage(),
      ...deps.stages,
    };
    this.runnable = RunnableSequence.from<AskInput, Answer>([s.condense, s.retrieve, s.judge, s.compose, s.cite]);
  }

  /** Answers a question; in a conversation the turn is remembered for follow-ups; `within` keeps it to one paper. */
  async ask(question: string, conversationId?: string, opts: Pick<AskInput, 'within'> = {}): Promise<Answer> {
    const answer = await this.runnable.invoke({ question, ...(conversationId === undefined ? {} : { conversationId }), ...opts });
    if (conversationId !== undefined) {
      await this.conversations.add(conversationId, {
        question,
        resolved: answer.resolvedQuestion,
        citations: answer.citations,
        ...(answer.quoted ? { quoted: answer.quoted } : {}),
      });
    }
    return answer;
  }

  /** The evidence signals refusal looks at, for a question on its own (calibration, diagnostics). */
  async signals(question: string): Promise<EvidenceSignals> {
    const retrieved = await retrieveStage(this.d).invoke(await condenseStage(this.d).invoke({ question }));
    const s = await weighEvidence(this.d, retrieved, true);
    return signalsOf(s.hits, s.meaning.size ? Math.max(...s.meaning.values()) : undefined);
  }
}
