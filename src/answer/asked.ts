import { terms } from '../retrieval/text.js';

/**
 * What kind of thing a question asks for, read from its wording: a number ("how many", "what
 * accuracy"), a name ("what is it called", "which dataset"), a definition ("what is X?"), or
 * anything else. The extractive composer prefers sentences that hold that kind of thing.
 */
export type AskedKind = 'number' | 'name' | 'definition' | 'other';

const NUMBER =
  /\b(?:how (?:many|much|big|large|long|fast|close|accurate|small|often|far|high|low|good|well)|by how much|what (?:\w+ )?(?:accuracy|percentage|percent|share|fraction|proportion|size|range|number|resolution|error(?: rate)?|score|f1(?:-score)?|map|miou|ap|margin|speed-?up|gain|count|rate|top-1|top-5|momentum|dropout|dimensions?|dimensionality|weight decay|epochs|value|threshold|bleu|precision|recall|perplexity)|(?:accuracy|f1|map|miou|error rate|resolution|score) (?:does|did|do|is|was|of)\b|how\s+\w+\s+(?:bigger|larger|smaller|faster|better|fewer|more|less))\b/i;
const NAME =
  /\b(?:(?:is|are|was|were) (?:it|they|this|that|\w+) called|what(?:'s| is| are) (?:the |its |their )?names?|name of|which (?:[\w-]+ )?(?:dataset|model|method|loss|framework|network|benchmark|gan|technique|task|architecture|encoder|backbone|algorithm|metric|classifier|detector|module|tool|toolkit|corpus|corpora|optimi[sz]er|solver|library|software|parser|tagger|baseline|language|regulari[sz]ation|augmentation)s?|what (?:[\w-]+ )?(?:dataset|model|method|loss(?: function)?|framework|network|technique|task|architecture|backbone|algorithm|metric|toolkit|corpus|optimi[sz]er|solver|library|software|parser|tagger|baseline|regulari[sz]ation|augmentation)s? (?:is|are|was|were|does|did|do))\b/i;
/** The thing a name question asks for: "which toolkit …", "what optimizer does …" → toolkit, optimizer. */
const NAMED_THING =
  /\b(?:which|what) (?:[\w-]+ )?(dataset|model|method|loss|framework|network|benchmark|technique|architecture|encoder|backbone|algorithm|metric|classifier|detector|module|tool|toolkit|corpus|corpora|optimi[sz]er|solver|library|software|parser|tagger|baseline|regulari[sz]ation|augmentation)s?\b/i;
const DEFINITION =
  /^\s*(?:(?:what(?:'s| is| are)|tell me about|explain|describe|define)\s+(?:the\s+|an?\s+)?(.{2,60}?)|what does\s+(.{2,60}?)\s+(?:mean|do|stand for))\s*\??\s*$/i;

/** Words that make "what does X … do?" a question about an effect, not a definition. */
const ACTS = /\b(?:them|it|they|us|you|let|lets|make|makes|help|helps|allow|allows|enable|enables|get|gets|achieve|improve|change)\b/i;

export function askedKind(question: string): AskedKind {
  if (NUMBER.test(question)) return 'number';
  if (NAME.test(question) || /\b(?:called|named)\s*\?*\s*$/i.test(question)) return 'name';
  // "What is X?", "What does X stand for?" — not "What does X use to get its labels?".
  const d = DEFINITION.exec(question);
  // "What does the incubation mechanism let them do?" asks what it does for someone, not what it is.
  if (d && terms(d[1] ?? d[2]!).length <= 4 && !ACTS.test(d[1] ?? d[2]!)) return 'definition';
  return 'other';
}

/** Pointers into the paper ("Eq. 14", "Table 2", "Section 3.1"): numbers, but not details. */
const REFERENCE = /\b(?:eqs?|equations?|figs?|figures?|tables?|sections?|sec|algorithms?|appendix)\.?\s*\(?\d+(?:\.\d+)*\)?/gi;

/** A number as a detail: 27.9%, 1.4B, 15,000, 6x, 224×224; enumeration marks ("1)", "(ii)") and references ("Eq. 3") are not numbers. */
const hasNumber = (s: string) => /\d/.test(s.replace(REFERENCE, ' ').replace(/(?:^|[\s(])\(?(?:\d|[ivx]{1,4})\)/g, ' ')) || NUMBER_WORD.test(s);
/** A count in words: "five popular classifiers", "dozens of specialists" ("one" is too common a word to count). */
const NUMBER_WORD =
  /\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?|thousands?|dozens?|millions?|billions?)\b/i;
/** A name-like word: inner capitals or digits (ImageNet++, BM-6B, SDANet), an acronym, or a quoted phrase. */
const NAME_LIKE = /(?:^|[\s(])(?:[A-Z][a-z]*[A-Z][\w+-]*|[A-Z]{2,}[\w+-]*|[A-Za-z]+-?\d[\w+-]*)|"[^"]{2,40}"/g;
/** A sentence that says where a method was evaluated: "experiments on …", "evaluated on …", "results on …". */
const EVALUATED_ON = /\b(?:experiments?|evaluat\w*|results?|tested|test|benchmark\w*)\s+(?:[\w-]+\s+){0,3}(?:on|across)\b/i;
/** "Which datasets / benchmarks was it evaluated / tested on?" (stemmed question terms): not "which dataset did they train on?". */
const EVALUATION_TERMS = new Set(terms('evaluated evaluation tested test experiments benchmarked'));
const asksWhereEvaluated = (q: ReadonlySet<string>) => (q.has('dataset') || q.has('benchmark')) && [...q].some((t) => EVALUATION_TERMS.has(t));
/** A sentence that says what something is: "we present X, a …", "X is a …", "dubbed / called X". */
const DEFINING =
  /\b(?:we (?:present|propose|introduce|design|develop|demonstrate|show) |(?:is|are) (?:a|an|the first) |dubbed|called|named|termed|refer to (?:it|this) as)/i;
/** Problem statements that open abstracts ("State-of-the-art systems are trained to …") do not define anything. */
const BACKGROUND = /^(?:recent(?:ly)?|state-of-the-art|existing|most|many|current|despite|although|while|however|in recent years|large-scale|with the)/i;

/**
 * How well a sentence holds the kind of thing asked, 0 to about 0.8 (added to the composer's score):
 * a number near the question's words for "how many", a name for "what is it called", a defining
 * sentence for "what is X?".
 */
/** The acronym a definition question asks about ("What does BRAE stand for?", "What is LoRA?"), when it is one. */
export function acronymAsked(question: string): string | undefined {
  const d = DEFINITION.exec(question);
  const target = (d?.[1] ?? d?.[2] ?? '').trim();
  return /^[A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z0-9-]*$/.test(target) && target.length <= 12 ? target : undefined;
}

/** Does the sentence spell the acronym out: "… Recursive Auto-encoders (BRAE)", "BRAE (Bilingually-constrained …)"? */
const spellsOut = (sentence: string, acronym: string) => {
  const a = acronym.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`[A-Za-z][\\w-]*\\s+\\(${a}s?\\)|\\b${a}\\s+\\([A-Z][a-z]`).test(sentence);
};

export function kindFit(kind: AskedKind, sentence: string, questionTerms: ReadonlySet<string>, counted?: ReadonlySet<string>, acronym?: string): number {
  if (kind === 'number') {
    if (!hasNumber(sentence)) return 0;
    return 0.4 + (counted?.size && numberNear(sentence, counted, 3) ? 0.3 : numberNear(sentence, questionTerms, 4) ? 0.15 : 0);
  }
  if (kind === 'name') {
    const names = sentence.match(NAME_LIKE)?.length ?? 0;
    // "Which datasets is it evaluated on?" is answered where the experiments are: "Experiments on CUB-200-2011, Stanford Cars and …".
    const evaluatedOn = names > 0 && asksWhereEvaluated(questionTerms) && EVALUATED_ON.test(sentence) ? 0.4 : 0;
    return (names ? 0.3 : 0) + (/\b(?:called|named|dubbed|termed)\b/i.test(sentence) ? 0.2 : 0) + evaluatedOn;
  }
  if (kind === 'definition') {
    // What an acronym stands for is said where it is spelled out.
    if (acronym && spellsOut(sentence, acronym)) return 0.8;
    if (BACKGROUND.test(sentence)) return -0.2;
    return DEFINING.test(sentence) ? 0.5 : 0;
  }
  return 0;
}

/** "How many <up to three words before the verb>". */
const NOT_VERB = '(?!(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would)\\b)';
const HOW_MANY = new RegExp(`\\bhow (?:many|much)\\s+((?:${NOT_VERB}[\\w-]+\\s+){0,2}${NOT_VERB}[\\w-]+)`, 'i');

/**
 * What a number question counts or measures: the words right after "how many / how much"
 * ("how many medical images" → medic, imag), or the measure named ("what accuracy", "what F1");
 * what a name question names ("which toolkit" → toolkit).
 */
export function countedTerms(question: string): Set<string> {
  const thing = askedKind(question) === 'name' ? NAMED_THING.exec(question) : null;
  if (thing) return new Set(terms(thing[1]!));
  // The counted noun ends at the verb: "how many behaviors does MammalNet label" counts behaviors, not MammalNet.
  const many = HOW_MANY.exec(question);
  const measure = /\b(accuracy|f1(?:-score)?|map|miou|ap|resolution|error(?: rate)?|score|speed-?up|margin|top-1|top-5)\b/i.exec(question);
  return new Set([...(many ? terms(many[1]!) : []), ...(measure ? terms(measure[1]!) : [])]);
}

/** Is a number within `window` words of one of the terms ("15.4M bounding boxes", "an accuracy of about 58%")? */
function numberNear(sentence: string, wanted: ReadonlySet<string>, window: number): boolean {
  const words = sentence.replace(REFERENCE, ' ').split(/\s+/);
  for (const [i, w] of words.entries()) {
    if (!(/\d/.test(w) || NUMBER_WORD.test(w)) || /^\(?\d\)/.test(w)) continue;
    const near = words.slice(Math.max(0, i - window), i + window + 1).join(' ');
    if (terms(near).some((t) => wanted.has(t))) return true;
  }
  return false;
}

/**
 * Does the sentence name the thing a name question asks for: a name standing by it ("with toolkit
 * Word2Vec", "a corpus named Baidubaike" for "which toolkit / corpus …?")? It picks the sentence to
 * open with among one paper's strong ones; it does not rank papers (every abstract says "dataset").
 */
export function namesAskedThing(kind: AskedKind, sentence: string, counted: ReadonlySet<string>): boolean {
  return kind === 'name' && counted.size > 0 && nameNear(sentence, counted, 3);
}

/** Is a name-like word (or "named", "called") within `window` words of one of the terms? */
function nameNear(sentence: string, wanted: ReadonlySet<string>, window: number): boolean {
  const words = sentence.split(/\s+/);
  for (const [i, w] of words.entries()) {
    if (!terms(w).some((t) => wanted.has(t))) continue;
    const near = words.slice(Math.max(0, i - window), i + window + 1).filter((_, j) => j !== Math.min(i, window));
    if (near.some((x) => /^(?:named|called|dubbed)$/i.test(x) || new RegExp(NAME_LIKE.source).test(` ${x}`))) return true;
  }
  return false;
}

/** A sentence that leans on the one before it ("These techniques …", "This allows …", "Thus …"). */
export const POINTS_BACK =
  /^(?:this|these|those|such|it|its|they|their|thus|therefore|hence|consequently|as a result|to this end|to do so|to that end|with this|in this way|through these|by doing so|nevertheless|instead|similarly|likewise|accordingly)\b/i;

/** "Thus, we propose X": a conclusion the authors draw, which reads on its own once the connective goes. */
const OWN_CLAIM = /^(?:thus|therefore|hence|consequently|accordingly|as a result|to this end|to do so|to that end|in this way|by doing so),?\s+we\b/i;

/** Does a sentence lean on the one before it, so that it cannot open an answer alone? */
export const pointsBack = (sentence: string) => POINTS_BACK.test(sentence) && !OWN_CLAIM.test(sentence);

/** Connectives that only link a sentence to its neighbours ("Then, we propose …"): dropped when the sentence opens an answer. */
export const CONNECTIVE =
  /^(?:thus|therefore|hence|consequently|accordingly|as a result|to this end|to do so|to that end|in this way|by doing so|then|finally|moreover|furthermore|additionally|in addition|besides|specifically|first(?:ly)?|second(?:ly)?|third(?:ly)?|also|further|notably|importantly|in this (?:paper|work|study)),\s+/i;
