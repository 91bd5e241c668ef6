// Small text and number helpers shared across the tree (each was written several times before).

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The longest prefix of whole graphemes (what a reader sees as one character: 🎉, 👩‍👩‍👧, é) that
 * fits in `max` UTF-16 units. Cutting anywhere else can leave half an emoji — a lone surrogate,
 * which Discord's API rejects with a 400.
 */
export function headOf(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of GRAPHEMES.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

/** Length as Discord counts it (code points): "🎉" is one, not the two UTF-16 units of `.length`. */
export const codePoints = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

/** Cuts text to at most `max` characters at a word boundary, with "…" when anything was cut; never inside an emoji. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = headOf(text, max - 1);
  const atWord = head.replace(/\s+\S*$/, '');
  return `${atWord || head}…`;
}

/** Every run of whitespace (newlines included) as one space, trimmed. */
export const oneLine = (s: unknown): string =>
  String(s ?? '')
    .replace(/\s+/g, ' ')
    .trim();

/** Rounds to `digits` decimals (for scores in output and JSON). */
export const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;
