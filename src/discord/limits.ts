import { clip, headOf } from '../util.js';
/** Discord's message and embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedAuthor: 256,
  embedDescription: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  embedTotal: 6000,
  embedsPerMessage: 10,
  choiceName: 100,
  choices: 25,
  customId: 100,
  threadName: 100,
  /** Buttons in one action row, rows in one message. */
  buttonsPerRow: 5,
} as const;

/**
 * Shortens text to at most `max` characters at a sentence boundary, else a word boundary, adding
 * "…"; never cuts inside a word or a URL. Markdown links `[x](url)` are kept whole or dropped whole.
 */
export function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - 1;
  // Lengths in UTF-16 units are never less than Discord's count, so the limit holds; cuts fall between graphemes.
  const head = headOf(text, room);
  const sentenceEnd = Math.max(...['. ', '! ', '? ', '.\n', ')\n'].map((m) => head.lastIndexOf(m)));
  // At a sentence end when there is one in the second half, else at a word boundary (clip, minus its …).
  let cut = sentenceEnd > room * 0.5 ? head.slice(0, sentenceEnd + 1) : clip(text, max).slice(0, -1);
  // A cut inside a markdown link or bare URL: back up to before it.
  const openLink = cut.lastIndexOf('[');
  if (openLink !== -1 && !/\]\([^)]*\)/.test(cut.slice(openLink))) cut = cut.slice(0, openLink);
  cut = cut.replace(/\s*https?:\/\/\S*$/, '').trimEnd();
  if (!cut) cut = head;
  return sentenceEnd > room * 0.5 && cut.endsWith('.') ? cut : `${cut}…`;
}
