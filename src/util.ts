// Small text and number helpers shared across the tree (each was written several times before).

/** Cuts text to at most `max` characters at a word boundary, with "…" when anything was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 1);
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
