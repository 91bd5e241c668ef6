import { terms } from './text.js';

/**
 * Names people use for a paper that its title may not contain: the repository name of its code link
 * (github.com/OpenAI/CLIP → CLIP), what the abstract says it is "dubbed / named / called / termed",
 * and run-together forms of names in the title (Swin Transformer V2 → SwinV2, LAION-5B → LAION5B,
 * STU-Net → STUNet). They become a boosted field of the lexical index, so "What is CLIP?" finds the
 * CLIP paper even though its abstract never says "CLIP".
 */
export function aliasesOf(p: { title: string; abstract: string; links?: string[]; authors?: string[] }): string[] {
  const out = new Set<string>();
  const add = (name: string | undefined) => {
    const n = name?.trim().replace(/^[("'“]+|[)"'”.,;:]+$/g, '');
    if (!n || n.length < 2 || n.length > 60 || GENERIC.has(n.toLowerCase()) || COMMON_NAMES.has(n.toLowerCase())) return;
    out.add(n);
    const joined = n.replace(/[^A-Za-z0-9]+/g, '');
    if (joined !== n && joined.length >= 3) out.add(joined);
  };
  for (const link of p.links ?? []) {
    const gh = /github\.com\/[^/\s]+\/([^/\s#?]+)(?:\/tree\/[^/\s]+\/(?:[^\s#?]*\/)?([^/\s#?]+))?/i.exec(link);
    if (gh) {
      add(gh[1]!.replace(/\.git$/, '').replace(/[_-]+/g, ' '));
      add(gh[1]!.replace(/\.git$/, ''));
      if (gh[2]) add(gh[2]);
      continue;
    }
    const page = /https?:\/\/([a-z0-9-]+)\.github\.io(?:\/([^/\s#?]+))?/i.exec(link);
    if (page) add(page[2] ?? page[1]);
  }
  for (const m of p.abstract.matchAll(CALLED)) add(m[1] ?? m[2] ?? m[3]);
  // "we introduce a Volume Contrast (VoCo) framework", "Our method (TESLA) achieves": the acronym the
  // authors give what they propose (not one they cite: "recently proposed methods, … (MTT)").
  for (const sentence of p.abstract.split(/(?<=[.!?])\s+/)) {
    if (!OWN_WORK.test(sentence)) continue;
    for (const m of sentence.matchAll(ACRONYM)) add(m[1]);
  }
  // The name before a colon ("BigNAS: …", "LAION-5B: …") and names with inner capitals or digits.
  const head = /^([^:]{2,40}):/.exec(p.title)?.[1];
  if (head && head.split(/\s+/).length <= 3) add(head);
  for (const word of p.title.split(/\s+/)) {
    const w = word.replace(/[:,;.]+$/, '');
    if (/^[A-Za-z][\w'+-]*$/.test(w) && /[a-z][A-Z]|[A-Z]{2}|\d/.test(w)) add(w);
  }
  // The title's initials when the abstract uses them: "Plug & Play Generative Networks" → PPGN ("PPGNs are composed of …").
  const initials = (head ?? p.title)
    .split(/[\s-]+/)
    .filter((w) => /^[A-Za-z]/.test(w) && !/^(?:of|for|and|the|a|an|in|on|with|to|via)$/i.test(w))
    .map((w) => w[0]!.toUpperCase())
    .join('');
  if (initials.length >= 3 && new RegExp(`\\b${initials}s?\\b`).test(p.abstract)) add(initials);
  // "Swin Transformer V2" → SwinV2.
  const version = /^(?:(?:The|A|An)\s+)?([A-Z]\w+)\b.*?\bV(\d+)\b/.exec(p.title);
  if (version) add(`${version[1]}V${version[2]}`);
  // How people cite it: "Kalchbrenner et al.", "Vaswani and Shazeer" (two authors).
  const last = (p.authors ?? []).map(surname).filter((n) => n.length >= 2);
  if (last[0]) out.add(`${last[0]} et al`);
  if (last.length === 2) out.add(`${last[0]} and ${last[1]}`);
  return [...out];
}

/** A name's surname: its last word, suffixes ("Jr.", "III") aside. */
function surname(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .filter((w) => !/^(?:jr\.?|sr\.?|ii|iii|iv)$/i.test(w));
  return words.at(-1)?.replace(/[.,]+$/, '') ?? '';
}

/** Bump when aliasesOf() changes: a saved lexical index made with older aliases is rebuilt. */
export const ALIASES_VERSION = 5;

/** A sentence about the paper's own contribution. */
const OWN_WORK =
  /\b(?:we|this (?:paper|work|study))\s+(?:\w+\s+){0,2}?(?:propose|present|introduce|design|develop|formali[sz]e|define|call|name|term|dub)\w*\b|\bour (?:method|approach|model|framework|dataset|benchmark)\s*\(|\bcontribution is\b/i;
/** A name-like acronym in parentheses: (VoCo), (CaSED), (TESLA), (BM-6B). */
const ACRONYM = /\(([A-Z][A-Za-z0-9+-]*[A-Z0-9][A-Za-z0-9+-]*)\)/g;

/** "dubbed X", "named (as) X", "called X", "termed (as) X", "coined X", "which we name as X": a quoted phrase or one name-like word. */
const CALLED =
  /\b(?:(?:dubbed|named|called|termed|coined|name)(?:\s+as)?|call\s+(?:it|them|this|the\s+[\w\s]{1,40}?))\s+(?:"([^"]{2,60})"|“([^”]{2,60})”|([A-Z][\w'+-]*[A-Z0-9][\w'+-]*|[A-Z][a-z]+[A-Z][\w'+-]*))/g;

/** Repository and page names that say nothing about the paper. */
const GENERIC = new Set(['code', 'src', 'main', 'master', 'index', 'index.html', 'project', 'paper', 'release', 'github', 'www', 'docs', 'home']);
/** Names so common in this field that they identify no paper. */
const COMMON_NAMES = new Set([
  'imagenet',
  'imagenet-1k',
  'imagenet1k',
  'imagenet+',
  'imagenet-21k',
  'cnn',
  'cnns',
  'gan',
  'gans',
  'ml',
  'ai',
  'nlp',
  'vit',
  'vits',
  'dnn',
  'dnns',
  'nas',
  'ssl',
  'vlm',
  'vlms',
  'llm',
  'llms',
  'x-ray',
  'sota',
  'mt',
  'gmm',
  'mlp',
  'rl',
]);

/**
 * The alias words a paper's title does not already have (CLIP, SwinV2, LAION5B): what the index's
 * alias field holds. Repeating title words there would only re-boost the title.
 */
export function aliasText(title: string, aliases: string[]): string {
  const inTitle = new Set(terms(title));
  const words = aliases.flatMap((a) => a.split(/[^A-Za-z0-9+']+/)).filter((w) => w.length >= 3 && !/^nets?$/i.test(w) && terms(w).some((t) => !inTitle.has(t)));
  return [...new Set(words)].join(' ');
}

const norm = (s: string) =>
  ` ${s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9+]+/g, ' ')
    .trim()} `;

/**
 * Is the question about the paper by name: one of its aliases (or the name before its title's colon)
 * as a whole word or phrase, in any case, making up at least half of the question's content words?
 * "What is CLIP?" and "How was SwinV2 trained?" name their papers; "gradient clipping" does not, and
 * neither does "SELECT * FROM users; DROP TABLE papers" (a name among other business).
 */
export function namesPaper(question: string, aliases: string[], anyShare = false): boolean {
  const q = norm(question);
  const collapsed = ` ${q.replace(/ /g, '')} `;
  const content = terms(question).length;
  return aliases.some((a) => {
    const n = norm(a);
    const found = n.trim().length >= 3 && (q.includes(n) || (!n.trim().includes(' ') && collapsed === ` ${n.trim()} `));
    return found && (anyShare || Math.max(1, terms(a).length) * 2 >= content);
  });
}

/** Does the question say one of the paper's names anywhere ("How many tasks are in the VoCo benchmark?")? */
export const mentionsPaper = (question: string, aliases: string[]) => namesPaper(question, aliases, true);
