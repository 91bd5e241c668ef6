import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Logger } from '../../log.js';
import type { RefusalThresholds } from '../../retrieval/encoders/profiles.js';
import type { BodyHit, BodyRetriever } from '../../retrieval/body/body-retriever.js';
import type { HybridRetriever, IdfWeights, PaperHit } from '../../retrieval/hybrid-retriever.js';
import type { Conversations } from '../conversation.js';
import type { SentenceMeaning } from '../meaning.js';
import type { Source } from '../types.js';

// What flows between the answer stages: condense → retrieve → judge → compose → cite. Each stage
// adds to what it is given, so a stage can be tested (or replaced) with a hand-made input.

export interface AskInput {
  question: string;
  conversationId?: string;
  /** Answer from this paper only (a question in the paper's discussion thread); refused when it does not address it. */
  within?: { id: string; title: string };
}

/** The question made self-contained from the conversation (condense). */
export interface Condensed extends AskInput {
  resolved: string;
  /** Papers of the earlier answer the follow-up is about ("it", "the second one"). */
  focus: string[];
  /** The follow-up asks which of the focused papers fits. */
  among: boolean;
  /** Sentences already quoted in this conversation. */
  avoid: ReadonlySet<string>;
  /** The best sentence may be one quoted before (a new question), unless the user asks for more. */
  repeatBest: boolean;
}

/** The papers found for it (retrieve). */
export interface Retrieved extends Condensed {
  /** The resolved question as a query vector (computed once: search and sentence meaning share it). */
  vector: number[];
  hits: PaperHit[];
  /** For a follow-up: the library's own ranking for the question, should the earlier sources not address it. */
  unfocused?: PaperHit[];
  /** The best passages of the leading papers' bodies, for those the library has the full text of. */
  body: ReadonlyMap<string, BodyHit[]>;
}

/** The evidence weighed (judge): the numbered sources to answer from, or a refusal. */
export interface Judged extends Retrieved {
  sources: Source[];
  /** Source number → the paper hit it was made from. */
  hitOf: ReadonlyMap<number, PaperHit>;
  refuse: boolean;
  /** Candidate sentence → cosine similarity to the question. */
  meaning: Map<string, number>;
  /** IDF weights of the user's own words (they choose the sentences). */
  idf: IdfWeights;
  /** Time left for the language model within LLM_TIMEOUT_MS (the rating and the composer share it). */
  llmMsLeft: number;
}

/** The answer text with numbered citations (compose). */
export interface Composed extends Judged {
  text: string;
  /** Source numbers → the passages its citations rest on, in the order the answer quotes them. */
  evidenceFor: Map<number, string[]>;
  notice?: string;
  modelRefused?: boolean;
  quoted?: string[];
}

/** What the stages share: the retriever, the optional model, and the settings. */
export interface StageDeps {
  retriever: HybridRetriever;
  /** A chat model; undefined = the offline extractive composer. */
  model?: BaseChatModel;
  timeoutMs: number;
  conversations: Conversations;
  refusal: RefusalThresholds;
  /** Papers considered as sources (the best ones, within half the top score). */
  maxSources: number;
  log?: Pick<Logger, 'warn'>;
  /** Sentence similarity to questions; undefined when the thresholds have no sentence check (USE-lite). */
  meaning?: SentenceMeaning;
  /** Passages of papers' full texts; undefined: answers come from abstracts only. */
  body?: BodyRetriever;
}
