import { clip } from '../util.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';
import { toPassages } from '../retrieval/passages.js';
import { splitSentences, terms } from '../retrieval/text.js';
import { acronymAsked, askedKind, CONNECTIVE, countedTerms, kindFit, namesAskedThing, pointsBack, type AskedKind } from './asked.js';
import { quotable } from './meaning.js';
import type { Source } from './types.js';

export const MAX_ANSWER_CHARS = 900;

/**
 * A sentence's cosine similarity to the question adds MEANING_WEIGHT × (similarity − MEANING_FLOOR)
 * to its score: with bge, unrelated sentences sit near 0.45–0.5 and sentences that answer near
 * 0.65–0.8, so a sentence that answers gains about as much as one sharing all the question's words.
 */
const MEANING_WEIGHT = 3;
const MEANING_FLOOR = 0.5;

/** What a body passage's rank adds to its sentences (× its relevance, 1 for the paper's best passage for the question). */
const BODY_RANK_WEIGHT = 4.0;

/** How much a question word counts in choosing a sentence when it is a word of the paper's title. */
const TITLE_WORD_WEIGHT = 0.25;

/** A sentence that holds the kind of thing asked may lead if it scores at least this share of the best. */
const LEAD_SHARE = 0.5;

/** What naming the very thing asked ("with toolkit Word2Vec" for "which toolkit …?") adds to a sentence's claim to lead. */
const NAMES_THING_LEAD = 0.3;

/** Questions that ask about several papers at once. */
const MULTI = /\b(papers|works|studies|methods|approaches|which (?:work|paper)s?|compare|comparison|several|both|differences?|differ|versus|vs\.?)\b/i;

/** A short name for a paper: the part before the colon when there is a short one, else the title. */
export function shortTitle(title: string): string {
  const head = title.split(/:\s| -- /)[0]!.trim();
  if (head.length >= 3 && head.length <= 48 && head !== title) return head;
  if (title.length <= 80) return title;
  return clip(title, 78);
}

/** Words that may start a sentence without being a name, so they can be lower-cased after a lead-in. */
const COMMON_START =
  /^(The|This|These|Those|It|Its|Our|In|To|Recent|Most|Many|Although|However|Existing|Despite|Large|While|With|A|An|As|For|By|On|Such|Each|When|Unlike|Compared|Current|Modern|Finally|Further|Furthermore|Moreover|Additionally|Specifically|Experiments|Extensive|Results)$/;

/** "We propose X" → "In <Paper>, the authors propose X"; otherwise "According to <Paper>, …". */
export function attribute(sentence: string, name: string): string {
  const we = /^(?:In this (?:paper|work|study),?\s+|Here,?\s+|To this end,?\s+)?[Ww]e\s+/;
  if (we.test(sentence)) return `In ${name}, the authors ${thirdPerson(sentence.replace(we, ''))}`;
  if (new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(sentence)) return thirdPerson(sentence);
  const [first = '', ...rest] = sentence.split(' ');
  // Lower-case an ordinary capitalised word ("Substantial"), never a name or acronym ("ImageNet", "CLIP").
  const cited = rest[0] === 'et' || rest[0] === 'and'; // "Zheng et al. applied …": a surname
  const ordinary = !cited && (COMMON_START.test(first) || (/^[A-Z][a-z]+(?:-[a-z]+)*,?$/.test(first) && !name.includes(first.replace(/,$/, ''))));
  const lead = ordinary ? first.toLowerCase() : first;
  return `According to ${name}, ${thirdPerson([lead, ...rest].join(' '))}`;
}

/** First person becomes the authors: an answer speaks about papers, not as them. */
export const thirdPerson = (s: string) =>
  s
    .replace(/^[Ww]e\s+/, 'The authors ')
    .replace(/^Our\s+/, "The authors' ")
    .replace(/\bwe\b/g, 'the authors')
    .replace(/\bour\b/g, 'their')
    .replace(/\bus\b/g, 'them');

interface Candidate {
  source: number;
  position: number;
  text: string;
  passage: string;
  score: number;
  /** How well it holds the kind of thing asked (kindFit), and more when it names the very thing asked (for choosing the lead). */
  fit: number;
  leadFit: number;
  /** The sentence before it in the abstract (context for one that points back). */
  prev?: Candidate;
}

export interface ExtractiveResult {
  answer: string;
  /** The passages quoted, each once, in the order the answer quotes them, with their source numbers (as given). */
  used: { n: number; passage: string }[];
  /** The abstract sentences quoted, as they appear in the abstracts. */
  quoted: string[];
}

export interface ExtractiveOptions {
  /** Sentences quoted earlier in the conversation: not quoted again while others can answer. */
  avoid?: ReadonlySet<string>;
  /** The best sentence may be one quoted before (a new question that it answers best); fillers still are not. */
  repeatBest?: boolean;
}

/**
 * The offline composer: picks the abstract sentences that best answer the question (IDF-weighted
 * term overlap, meaning, the kind of thing asked, paper relevance), leads with the best one (with
 * the sentence before it when it points back), names each paper once, and ends every sentence
 * with its [n]. 2–5 sentences, at most MAX_ANSWER_CHARS; several papers when the question asks
 * about several. Deterministic.
 */
export function composeExtractive(
  question: string,
  sources: Source[],
  hits: PaperHit[],
  idf: (t: string) => number,
  meaning: Map<string, number> = new Map(),
  opts: ExtractiveOptions = {},
): ExtractiveResult {
  const kind = askedKind(question);
  const all = scoreSentences(question, kind, sources, hits, idf, meaning);
  const avoid = opts.avoid ?? new Set<string>();
  const fresh = all.filter((c) => !avoid.has(c.text));
  const lead = leadFor(kind, opts.repeatBest ? all : fresh);
  const pool = fresh.length ? fresh : all;
  const candidates = lead ? [lead, ...pool.filter((c) => c !== lead)] : pool;
  const chosen = chooseSentences(candidates, sources, MULTI.test(question) && sources.length > 1, kind === 'other' ? 3 : 2);
  return writeAnswer(chosen, sources);
}

/**
 * The sentence to open with: the best one, or, when the question asks for a number, a name or a
 * definition, the one of the same paper among the strong sentences (at least half the best score)
 * that best holds it.
 */
function leadFor(kind: AskedKind, ranked: Candidate[]): Candidate | undefined {
  const best = ranked[0];
  if (!best || kind === 'other') return best;
  // From the best sentence's paper: a number in another paper answers a question about another paper.
  const strong = ranked.filter((c) => c.source === best.source && c.score >= LEAD_SHARE * best.score);
  return strong.reduce((a, c) => (c.leadFit > a.leadFit ? c : a), best);
}

/**
 * Phase 1: every quotable sentence of the sources, scored by words (IDF-weighted overlap with the
 * question), meaning (encoder similarity), the kind of thing asked, its paper's relevance and (for
 * open questions) its position; best first.
 */
function scoreSentences(
  question: string,
  kind: AskedKind,
  sources: Source[],
  hits: PaperHit[],
  idf: (t: string) => number,
  meaning: Map<string, number>,
): Candidate[] {
  const qTerms = [...new Set(terms(question))];
  const qSet = new Set(qTerms);
  const counted = countedTerms(question);
  const acronym = kind === 'definition' ? acronymAsked(question) : undefined;
  const paperScore = new Map(hits.map((h) => [h.id, h.score]));
  const top = Math.max(...sources.map((s) => paperScore.get(s.id) ?? 0), 1e-9);
  const candidates: Candidate[] = [];
  for (const src of sources) {
    // Words of the paper's own title pick the paper, not the sentence: "how many images does the
    // DIOR remote sensing benchmark have?" is answered by "The dataset contains 23463 images".
    const inTitle = new Set(terms(src.title));
    const overlapOf = overlapScorer(qTerms, (t) => idf(t) * (inTitle.has(t) ? TITLE_WORD_WEIGHT : 1));
    // In the body, a word is weighed by how rare it is in this paper: the paper's own name is everywhere in it.
    const bodyOverlapOf = src.termWeight ? overlapScorer(qTerms, src.termWeight) : overlapOf;
    let position = 0;
    let prev: Candidate | undefined;
    for (const passage of src.passages) {
      // A body passage is a window of its own section: its first sentence does not lean on the abstract.
      if (src.sections?.has(passage)) prev = undefined;
      for (const sentence of splitSentences(passage)) {
        const overlap = (src.sections?.has(passage) ? bodyOverlapOf : overlapOf)(new Set(terms(sentence)));
        position++;
        // Meaning as well as words: a paraphrase shares few words with the sentence that answers it.
        const sim = meaning.get(sentence);
        const byMeaning = sim === undefined ? 0 : MEANING_WEIGHT * Math.max(0, sim - MEANING_FLOOR);
        const early = kind === 'other' && position <= 2 ? 0.1 : 0;
        const fit = kindFit(kind, sentence, qSet, counted, acronym);
        const body = BODY_RANK_WEIGHT * (src.sections?.get(passage)?.relevance ?? 0);
        const score = overlap + byMeaning + fit + 0.35 * ((paperScore.get(src.id) ?? 0) / top) + early + body;
        const leadFit = fit + (namesAskedThing(kind, sentence, counted) ? NAMES_THING_LEAD : 0);
        const c: Candidate = { source: src.n, position, text: sentence, passage, score, fit, leadFit, ...(prev ? { prev } : {}) };
        prev = c;
        // A long sentence only from the best paper: another paper's results sentence must not take the answer.
        if (quotable(sentence, src === sources[0])) candidates.push(c);
      }
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.source - b.source || a.position - b.position);
  return candidates;
}

/** The IDF-weighted share of the question's terms a sentence holds (0..1). */
function overlapScorer(qTerms: string[], weight: (t: string) => number): (sentenceTerms: ReadonlySet<string>) => number {
  const total = qTerms.reduce((s, t) => s + weight(t), 0) || 1;
  return (st) => qTerms.reduce((s, t) => s + (st.has(t) ? weight(t) : 0), 0) / total;
}

/**
 * Phase 2: which sentences make the answer. The best first (with the sentence before it when it
 * points back), then up to `most` in all for one paper (at most 2 more from it), up to 5 with one
 * per paper first when the question asks about several; only strong sentences after the first;
 * within MAX_ANSWER_CHARS counting each paper's name once.
 */
function chooseSentences(candidates: Candidate[], sources: Source[], multi: boolean, most: number): Candidate[] {
  const chosen: Candidate[] = [];
  const nameCost = (n: number) => shortTitle(sources.find((s) => s.n === n)!.title).length + 22;
  const cost = (list: Candidate[]) =>
    list.reduce((sum, x, i) => sum + x.text.length + 6 + (list.findIndex((y) => y.source === x.source) === i ? nameCost(x.source) : 0), 0);
  const add = (c: Candidate) => {
    // A sentence that leans on the one before it comes with that one, or not at all.
    const withPrev = pointsBack(c.text) && c.prev && !chosen.includes(c.prev) ? [c.prev, c] : [c];
    if (cost([...chosen, ...withPrev]) > MAX_ANSWER_CHARS) return false;
    chosen.push(...withPrev);
    return true;
  };
  const limit = multi ? 5 : most;
  if (multi) for (const src of sources.slice(0, 4)) if (chosen.length < limit) candidates.find((c) => c.source === src.n && add(c));
  const best = candidates[0];
  if (!best) return chosen;
  if (!multi) add(best);
  for (const c of candidates) {
    if (chosen.length >= limit) break;
    if (chosen.includes(c)) continue;
    if (chosen.length >= 1 && c.score < 0.6 * best.score) break;
    if (!multi && c.source !== best.source && c.score < 0.8 * best.score) continue;
    if (!multi && chosen.filter((x) => x.source === c.source).length >= 3) continue;
    add(c);
  }
  // A single good sentence reads thin: add the next sentence of the same paper when there is one.
  if (chosen.length === 1) candidates.find((c) => c.source === chosen[0]!.source && c !== chosen[0] && !pointsBack(c.text) && add(c));
  return chosen;
}

/**
 * Phase 3: the text. Papers in order of first choice; the first paper's best sentence leads (its
 * context before it), the rest follow in abstract order; each paper named once ("In X, the
 * authors …"), first person made third, `[n]` after each sentence.
 */
function writeAnswer(chosen: Candidate[], sources: Source[]): ExtractiveResult {
  const order = [...new Set(chosen.map((c) => c.source))];
  // The lead: the first sentence chosen, with the one it points back to when that came along.
  const [first, second] = chosen;
  const leadGroup = new Set(first ? (second && second.prev === first && pointsBack(second.text) ? [first, second] : [first]) : []);
  const rank = (c: Candidate) => (leadGroup.has(c) ? chosen.indexOf(c) - 10 : c.position);
  const sorted = [...chosen].sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source) || rank(a) - rank(b));
  const named = new Set<number>();
  const sentences = sorted.map((c) => {
    const src = sources.find((s) => s.n === c.source)!;
    let text = c.text;
    if (!named.has(c.source)) {
      named.add(c.source);
      text = attribute(text.replace(CONNECTIVE, ''), shortTitle(src.title));
    } else {
      text = thirdPerson(text);
    }
    const section = src.sections?.get(c.passage);
    return `${text.replace(/[.!?]+$/, '')} [${c.source}${section ? ` §${section.label}` : ''}].`;
  });
  // The cost estimate is conservative; this guarantees the limit.
  while (sentences.length > 1 && sentences.join(' ').length > MAX_ANSWER_CHARS) sentences.pop();
  const kept = sorted.slice(0, sentences.length);
  // Every passage quoted is evidence, once, in the order the answer quotes it.
  const used: ExtractiveResult['used'] = [];
  for (const c of kept) if (!used.some((u) => u.n === c.source && u.passage === c.passage)) used.push({ n: c.source, passage: c.passage });
  return { answer: sentences.join(' '), used, quoted: kept.map((c) => c.text) };
}

/** A paper's quotable passages (sentence windows) for a source. */
export function sourcePassages(hit: PaperHit): string[] {
  return toPassages(hit.id, hit.paper.abstract).map((p) => p.text);
}

/** A source's passages as the extractive composer reads them: the abstract in sentence windows, then its body passages. */
export function extractiveSource(s: Source, hit: PaperHit): Source {
  return { ...s, passages: [...sourcePassages(hit), ...(s.sections ? [...s.sections.keys()] : [])] };
}
