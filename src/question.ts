import { codePoints } from './util.js';

/** Longest question we accept (Discord and CLI alike). */
export const MAX_QUESTION_CHARS = 1000;

export type QuestionCheck = { ok: true; question: string } | { ok: false; message: string };

/** Validates a user question: trimmed, non-empty, not over-long, no control characters. */
export function checkQuestion(raw: string | undefined): QuestionCheck {
  const question = (raw ?? '').replace(/\s+/g, ' ').trim();
  if (!question)
    return { ok: false, message: 'The question is empty: type a question about the papers, e.g. "how does dataset distillation scale to ImageNet?"' };
  // Counted as Discord counts its own limits (code points): a 990-character question with emoji fits.
  const length = codePoints(question);
  if (length > MAX_QUESTION_CHARS) {
    return { ok: false, message: `The question is ${length} characters long; the limit is ${MAX_QUESTION_CHARS}. Please shorten it.` };
  }
  // Control characters other than whitespace (already folded above) are never part of a question.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(question)) {
    return { ok: false, message: 'The question contains control characters; please type plain text.' };
  }
  return { ok: true, question };
}
