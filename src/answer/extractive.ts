import { clip } from '../util.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';
import { toPassages } from '../retrieval/passages.js';
import { splitSentences, terms } from '../retrieval/text.js';
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
  if (we.test(sentence)) return `In ${name}, the authors ${sentence.replace(we, '')}`;
  if (new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(sentence)) return thirdPerson(sentence);
  const [first = '', ...rest] = sentence.split(' ');
  // Lower-case an ordinary capitalised word ("Substantial"), never a name or acronym ("ImageNet", "CLIP").
  const ordinary = COMMON_START.test(first) || (/^[A-Z][a-z]+(?:-[a-z]+)*,?$/.test(first) && !name.includes(first.replace(/,$/, '')));
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
}

export interface ExtractiveResult {
  answer: string;
  /** Source numbers (as given) in order of first use, with the passage each first use rests on. */
  used: { n: number; passage: string }[];
  /** The abstract sentences quoted, as they appear in the abstracts. */
  quoted: string[];
}

/**
 * The offline composer: picks the abstract sentences that best answer the question (IDF-weighted
 * term overlap, paper relevance, position in the abstract), names each paper once, and ends every
 * sentence with its [n]. 2–5 sentences, at most MAX_ANSWER_CHARS; several papers when the question
 * asks about several. Deterministic.
 */
export function composeExtractive(
  question: string,
  sources: Source[],
  hits: PaperHit[],
  idf: (t: string) => number,
  meaning: Map<string, number> = new Map(),
  /** Sentences quoted earlier in the conversation: not quoted again while others can answer. */
  avoid: ReadonlySet<string> = new Set(),
): ExtractiveResult {
  const candidates = scoreSentences(question, sources, hits, idf, meaning, avoid);
  const chosen = chooseSentences(candidates, sources, MULTI.test(question) && sources.length > 1);
  return writeAnswer(chosen, sources);
}

/**
 * Phase 1: every quotable sentence of the sources, scored by words (IDF-weighted overlap with the
 * question), meaning (encoder similarity), its paper's relevance and its position; best first.
 */
function scoreSentences(
  question: string,
  sources: Source[],
  hits: PaperHit[],
  idf: (t: string) => number,
  meaning: Map<string, number>,
  avoid: ReadonlySet<string>,
): Candidate[] {
  const qTerms = [...new Set(terms(question))];
  const qWeight = qTerms.reduce((s, t) => s + idf(t), 0) || 1;
  const paperScore = new Map(hits.map((h) => [h.id, h.score]));
  const top = Math.max(...sources.map((s) => paperScore.get(s.id) ?? 0), 1e-9);
  const candidates: Candidate[] = [];
  for (const src of sources) {
    let position = 0;
    for (const passage of src.passages) {
      for (const sentence of splitSentences(passage)) {
        const st = new Set(terms(sentence));
        const overlap = qTerms.reduce((s, t) => s + (st.has(t) ? idf(t) : 0), 0) / qWeight;
        position++;
        if (!quotable(sentence)) continue;
        // Meaning as well as words: a paraphrase shares few words with the sentence that answers it.
        const sim = meaning.get(sentence);
        const byMeaning = sim === undefined ? 0 : MEANING_WEIGHT * Math.max(0, sim - MEANING_FLOOR);
        const score = overlap + byMeaning + 0.35 * ((paperScore.get(src.id) ?? 0) / top) + (position <= 2 ? 0.1 : 0);
        candidates.push({ source: src.n, position, text: sentence, passage, score });
      }
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.source - b.source || a.position - b.position);
  // Sentences already quoted in the conversation go, unless nothing else is left.
  return candidates.some((c) => !avoid.has(c.text)) ? candidates.filter((c) => !avoid.has(c.text)) : candidates;
}

/**
 * Phase 2: which sentences make the answer. 2–3 for one paper (at most 2 from it), up to 5 with one
 * per paper first when the question asks about several; only strong sentences after the first two;
 * within MAX_ANSWER_CHARS counting each paper's name once.
 */
function chooseSentences(candidates: Candidate[], sources: Source[], multi: boolean): Candidate[] {
  const chosen: Candidate[] = [];
  const perSource = new Map<number, number>();
  // Cost of a sentence in the answer: its text, its [n], and the paper's name the first time.
  const nameCost = (n: number) => shortTitle(sources.find((s) => s.n === n)!.title).length + 22;
  const cost = (list: Candidate[]) =>
    list.reduce((sum, x, i) => sum + x.text.length + 6 + (list.findIndex((y) => y.source === x.source) === i ? nameCost(x.source) : 0), 0);
  const fits = (c: Candidate) => cost([...chosen, c]) <= MAX_ANSWER_CHARS;
  if (multi) {
    // One sentence per paper first (best papers first), then fill.
    for (const src of sources.slice(0, 4)) {
      const best = candidates.find((c) => c.source === src.n);
      if (best && chosen.length < 5 && fits(best)) {
        chosen.push(best);
        perSource.set(src.n, 1);
      }
    }
  }
  const bestScore = candidates[0]?.score ?? 0;
  for (const c of candidates) {
    if (chosen.length >= (multi ? 5 : 3) || chosen.includes(c)) continue;
    const fromSame = perSource.get(c.source) ?? 0;
    if (chosen.length >= 2 && c.score < 0.6 * bestScore) break;
    if (!multi && fromSame >= 2) continue;
    if (!multi && c.source !== candidates[0]!.source && c.score < 0.8 * bestScore) continue;
    if (!fits(c)) continue;
    chosen.push(c);
    perSource.set(c.source, fromSame + 1);
  }
  // A single good sentence reads thin: add the next sentence of the same paper when there is one.
  if (chosen.length === 1) {
    const next = candidates.find((c) => c.source === chosen[0]!.source && c !== chosen[0] && fits(c));
    if (next) chosen.push(next);
  }
  return chosen;
}

/**
 * Phase 3: the text. Papers in order of first choice, sentences in abstract order within a paper;
 * each paper named once ("In X, the authors …"), first person made third, `[n]` after each sentence.
 */
function writeAnswer(chosen: Candidate[], sources: Source[]): ExtractiveResult {
  const order = [...new Set(chosen.map((c) => c.source))];
  const sorted = [...chosen].sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source) || a.position - b.position);
  const named = new Set<number>();
  const used: ExtractiveResult['used'] = [];
  const sentences = sorted.map((c) => {
    const src = sources.find((s) => s.n === c.source)!;
    let text = c.text;
    if (!named.has(c.source)) {
      named.add(c.source);
      text = attribute(text, shortTitle(src.title));
      used.push({ n: c.source, passage: c.passage });
    } else {
      text = thirdPerson(text);
    }
    return `${text.replace(/[.!?]+$/, '')} [${c.source}].`;
  });
  // The cost estimate is conservative; this guarantees the limit.
  while (sentences.length > 1 && sentences.join(' ').length > MAX_ANSWER_CHARS) sentences.pop();
  return {
    answer: sentences.join(' '),
    used: used.filter((u) => sentences.some((s) => s.includes(`[${u.n}]`))),
    quoted: sorted.slice(0, sentences.length).map((c) => c.text),
  };
}

/** A paper's quotable passages (sentence windows) for a source. */
export function sourcePassages(hit: PaperHit): string[] {
  return toPassages(hit.id, hit.paper.abstract).map((p) => p.text);
}
