import type { FusionParams } from '../fusion.js';

/**
 * Everything that depends on which encoder is in use, in one place: how a BERT-style model turns
 * its input into a vector, and the settings fitted for its similarities (which are not comparable
 * across encoders). Each encoder carries its profile (`embeddings.profile`); `profileOf` reads it.
 */
export interface EncoderProfile {
  /** `cls`: the first token's state (BGE); `mean`: the masked mean over tokens (sentence-transformers). */
  pooling: 'cls' | 'mean';
  /** Instruction put before queries only (documents are embedded as they are). */
  queryPrefix: string;
  /** Longer inputs are cut here (the last token kept as [SEP]). */
  maxTokens: number;
  /** How BM25 and this encoder's ranking are fused. */
  fusion: FusionParams;
  /** When the evidence is too weak to answer from. */
  refusal: RefusalThresholds;
}

export interface RefusalThresholds {
  /** Refuse when no quotable sentence is at least this close to the question (0: no sentence check). */
  sentence: number;
  /** Refuse whatever the words when the best paper is less similar than this. */
  denseFloor: number;
  /** Refuse when the best papers cover less than this share of the question's words ... */
  coverage: number;
  /** ... and the best paper is less similar than this. */
  dense: number;
  /**
   * A passage of the best paper's body answers the question, however the abstract reads (a question
   * about the body), when it is at least `close` similar to it, or holds at least `coverage` of its
   * words (weighed by their rarity in that paper) and is at least `dense` similar. Absent: the body
   * does not decide.
   */
  body?: { close: number; coverage: number; dense: number };
}

/**
 * bge-small-en-v1.5, the default encoder. Fusion fitted with `paperbot eval fusion` on SciFact
 * train, the tune half of eval/questions.json and the literal seed questions: a fixed convex weight
 * of 0.3 was best or tied-best on every set (docs/evaluation.md has the table). Refusal fitted with
 * `paperbot eval refusal` on the tune half of eval/questions.json plus the older seed question set
 * (never the heldout half): the most off-topic questions refused while at most 3 % of answerable
 * ones are. The body check read off the tune half of eval/fulltext-questions.json (a question
 * missing one word the paper never uses stays under its coverage).
 */
export const BGE_SMALL: EncoderProfile = {
  pooling: 'cls',
  queryPrefix: 'Represent this sentence for searching relevant passages: ',
  maxTokens: 512,
  fusion: { method: 'convex', alpha: 0.3, rrfK: 60 },
  refusal: { sentence: 0.57, denseFloor: 0.61, coverage: 0.2, dense: 0.7, body: { close: 0.7, coverage: 0.7, dense: 0.62 } },
};

/**
 * Universal Sentence Encoder lite (the fallback encoder; not a BERT model, so the first three
 * fields are unused). It is weak, so BM25 gets more say as it covers more of the question: the
 * setting fitted for it on SciFact train and the seed question set (the only one that beat BM25 on
 * both); refusal from the earlier calibration on the seed question set, with no sentence check.
 */
export const USE_LITE: EncoderProfile = {
  pooling: 'mean',
  queryPrefix: '',
  maxTokens: 512,
  fusion: { method: 'convex', alpha: 0.4, alphaMax: 1, rrfK: 60 },
  refusal: { sentence: 0, denseFloor: 0.08, coverage: 0.22, dense: 0.48 },
};

/** The one default: an encoder without a profile of its own is treated as the default encoder. */
export const DEFAULT_PROFILE = BGE_SMALL;

/**
 * What each known BERT-style model expects (from its model card). Only bge-small was fitted; the
 * others share its fusion and refusal settings until they are (`paperbot eval fusion|refusal`).
 */
const BERT_MODELS: Record<string, Partial<EncoderProfile>> = {
  'Xenova/bge-small-en-v1.5': BGE_SMALL,
  'Xenova/bge-base-en-v1.5': { pooling: 'cls', queryPrefix: BGE_SMALL.queryPrefix },
  'Xenova/all-MiniLM-L6-v2': { maxTokens: 256 },
};

/** The profile of a BERT-style model by its id; an unknown model gets mean pooling, no prefix, and the default's settings. */
export function profileFor(model: string): EncoderProfile {
  return { ...DEFAULT_PROFILE, pooling: 'mean', queryPrefix: '', ...BERT_MODELS[model] };
}

/** The profile an encoder carries, or the default's. */
export function profileOf(embeddings: unknown): EncoderProfile {
  return (embeddings as { profile?: EncoderProfile }).profile ?? DEFAULT_PROFILE;
}
