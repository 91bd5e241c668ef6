import { normaliseTitle, type Paper } from './paper.js';

/** What a channel or a topic leaves out: papers that mention any of these words or phrases, or (when given) papers outside these arXiv categories. */
export interface PaperFilter {
  exclude: string[];
  categories: string[];
}

export const NO_FILTER: PaperFilter = { exclude: [], categories: [] };

export const MAX_FILTER_ITEMS = 10;
const MAX_PHRASE = 60;
/** An arXiv category: `cs.CV`, `stat.ML`, `hep-th`, `math.OC`. */
const CATEGORY = /^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$/;

type Parsed = { ok: true; items: string[] } | { ok: false; message: string };

/** "diffusion, robot arm; survey" → the phrases, or a one-line reason. */
export function parseExclude(text: string | null | undefined): Parsed {
  const items = [...new Set(splitList(text).map((s) => s.toLowerCase()))];
  if (items.length > MAX_FILTER_ITEMS) return { ok: false, message: `At most ${MAX_FILTER_ITEMS} words or phrases to exclude, separated by commas.` };
  const long = items.find((s) => s.length > MAX_PHRASE);
  if (long) return { ok: false, message: `"${long.slice(0, 30)}…" is too long to exclude: at most ${MAX_PHRASE} characters a phrase.` };
  const empty = items.find((s) => !normaliseTitle(s));
  if (empty) return { ok: false, message: `"${empty}" has no letters or digits to look for.` };
  return { ok: true, items };
}

/** "cs.CV, cs.LG" → the categories, or a one-line reason. */
export function parseCategories(text: string | null | undefined): Parsed {
  const items = [...new Set(splitList(text))];
  if (items.length > MAX_FILTER_ITEMS) return { ok: false, message: `At most ${MAX_FILTER_ITEMS} categories, separated by commas.` };
  const bad = items.find((c) => !CATEGORY.test(c));
  if (bad) return { ok: false, message: `"${bad.slice(0, 40)}" is not an arXiv category: write them like cs.CV, cs.LG or stat.ML.` };
  return { ok: true, items };
}

const splitList = (text: string | null | undefined) =>
  (text ?? '')
    .split(/[,;\n]/)
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter(Boolean);

/**
 * Why the filter leaves a paper out (`mentions "diffusion"`, `not in cs.CV, cs.LG`), or undefined
 * when it stays. Phrases match whole words of the title and abstract, case and accents ignored. A
 * paper whose categories the library does not know (Hugging Face, the seed page) is never left out by category.
 */
export function excludedBy(p: Pick<Paper, 'title' | 'abstract' | 'categories'>, f: PaperFilter): string | undefined {
  if (f.exclude.length) {
    const text = ` ${normaliseTitle(`${p.title} ${p.abstract}`)} `;
    const hit = f.exclude.find((phrase) => text.includes(` ${normaliseTitle(phrase)} `));
    if (hit) return `mentions "${hit}"`;
  }
  if (f.categories.length && p.categories?.length) {
    const wanted = new Set(f.categories.map((c) => c.toLowerCase()));
    if (!p.categories.some((c) => wanted.has(c.toLowerCase()))) return `not in ${f.categories.join(', ')}`;
  }
  return undefined;
}

/** "excluding diffusion, survey · only cs.CV" for status lines; empty when nothing is filtered. */
export function describeFilter(f: PaperFilter): string {
  const parts = [];
  if (f.exclude.length) parts.push(`excluding ${f.exclude.join(', ')}`);
  if (f.categories.length) parts.push(`only ${f.categories.join(', ')}`);
  return parts.join(' · ');
}
