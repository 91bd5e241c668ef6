/** Discord's message and embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const LIMITS = {
  content: 2000,
  embedTitle: 256,
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
} as const;

/**
 * Shortens text to at most `max` characters at a sentence boundary, else a word boundary, adding
 * "…"; never cuts inside a word or a URL. Markdown links `[x](url)` are kept whole or dropped whole.
 */
export function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - 1;
  const head = text.slice(0, room);
  const sentenceEnd = Math.max(...['. ', '! ', '? ', '.\n', ')\n'].map((m) => head.lastIndexOf(m)));
  let cut = sentenceEnd > room * 0.5 ? head.slice(0, sentenceEnd + 1) : head.replace(/\s+\S*$/, '');
  // A cut inside a markdown link or bare URL: back up to before it.
  const openLink = cut.lastIndexOf('[');
  if (openLink !== -1 && !/\]\([^)]*\)/.test(cut.slice(openLink))) cut = cut.slice(0, openLink);
  cut = cut.replace(/\s*https?:\/\/\S*$/, '').trimEnd();
  if (!cut) cut = head.slice(0, room);
  return sentenceEnd > room * 0.5 && cut.endsWith('.') ? cut : `${cut}…`;
}

/** Splits long text into chunks of at most `max` characters at paragraph, sentence or word boundaries. */
export function split(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const head = rest.slice(0, max);
    let at = head.lastIndexOf('\n\n');
    if (at < max * 0.5) at = Math.max(head.lastIndexOf('. '), head.lastIndexOf('.\n')) + 1;
    if (at < max * 0.5) at = head.lastIndexOf(' ');
    if (at <= 0) at = max;
    out.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) out.push(rest);
  return out;
}
