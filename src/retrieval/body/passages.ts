import type { FullText } from '../../paper/paper.js';
import { PASSAGE_MAX_WORDS } from '../passages.js';
import { splitSentences } from '../text.js';

/** Where in the paper a passage is: the section's anchor (`S5.SS1`), its label (`5.1`, or its title when unnumbered) and title. */
export interface SectionRef {
  anchor: string;
  label: string;
  title: string;
  /** The titles of the sections it is in, outermost first (`Experiments` for 6.1). */
  parents: string[];
}

/** A quotable window of a paper's body, with its section. */
export interface BodyPassage {
  /** `<paperId>§<n>`: stable for the same full text. */
  id: string;
  paperId: string;
  n: number;
  section: SectionRef;
  text: string;
}

const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * The body as passages: within each section, paragraphs packed in order up to `maxWords` words
 * (short ones — table rows, list items — travel together; a long paragraph is cut between
 * sentences); a passage never crosses a section, so its citation `§5.1` is exact. Deterministic.
 */
export function bodyPassages(paperId: string, body: Pick<FullText, 'sections'>, maxWords = PASSAGE_MAX_WORDS): BodyPassage[] {
  const out: BodyPassage[] = [];
  const titles = new Map(body.sections.filter((s) => s.number).map((s) => [s.number, s.title]));
  // 6.1 is in 6; 2.3.1 in 2 and 2.3.
  const parentsOf = (n: string) =>
    n
      .split('.')
      .slice(0, -1)
      .flatMap((_, i, a) => titles.get(a.slice(0, i + 1).join('.')) ?? []);
  for (const s of body.sections) {
    const section: SectionRef = { anchor: s.id, label: s.number || s.title, title: s.title, parents: s.number ? parentsOf(s.number) : [] };
    const push = (text: string) => out.push({ id: `${paperId}§${out.length}`, paperId, n: out.length, section, text });
    let current: string[] = [];
    let words = 0;
    const flush = () => {
      if (current.length) push(current.join(' '));
      current = [];
      words = 0;
    };
    for (const unit of s.paragraphs.flatMap((p) => (wordCount(p) > maxWords ? splitSentences(p, true) : [p]))) {
      const w = wordCount(unit);
      if (w === 0) continue;
      if (words > 0 && words + w > maxWords) flush();
      current.push(unit);
      words += w;
    }
    flush();
  }
  return out;
}

/** The words a passage is found by: its section path ("Experiments Data Setting and Baseline") and its text. */
export const passageWords = (p: BodyPassage) => [...p.section.parents, p.section.title, p.text].join(' ');

/** What is embedded for a passage: its section title gives a window of a table or a list its topic. */
export const passageEmbeddingText = (p: BodyPassage) => (p.section.title ? `${p.section.title}: ${p.text}` : p.text);
