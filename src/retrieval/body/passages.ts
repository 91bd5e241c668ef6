import type { FullText } from '../../paper/paper.js';
import { PASSAGE_MAX_WORDS } from '../passages.js';
import { splitSentences } from '../text.js';

/** Where in the paper a passage is: the section's anchor (`S5.SS1`), its label (`5.1`, or its title when unnumbered) and title. */
export interface SectionRef {
  anchor: string;
  label: string;
  title: string;
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
  for (const s of body.sections) {
    const section: SectionRef = { anchor: s.id, label: s.number || s.title, title: s.title };
    const push = (text: string) => out.push({ id: `${paperId}§${out.length}`, paperId, n: out.length, section, text });
    let current: string[] = [];
    let words = 0;
    const flush = () => {
      if (current.length) push(current.join(' '));
      current = [];
      words = 0;
    };
    for (const unit of s.paragraphs.flatMap((p) => (wordCount(p) > maxWords ? splitSentences(p) : [p]))) {
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

/** What is embedded for a passage: its section title gives a window of a table or a list its topic. */
export const passageEmbeddingText = (p: BodyPassage) => (p.section.title ? `${p.section.title}: ${p.text}` : p.text);
