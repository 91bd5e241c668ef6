import { LIMITS } from './limits.js';

/**
 * Button custom ids, built and parsed in this one place: `<prefix>:<arg>:<arg>…`. The prefix names
 * the command that handles the click (commands/index.ts rejects two owners of one prefix at load).
 */
export const BUTTONS = {
  evidence: 'evidence',
  search: 'search',
  similar: 'similar',
  save: 'save',
  discuss: 'discuss',
  saved: 'saved',
  topicRemove: 'topic-remove',
} as const;

export type ButtonPrefix = (typeof BUTTONS)[keyof typeof BUTTONS];

/** A custom id for a button; throws when it would not fit Discord's 100 characters or an argument holds the separator. */
export function buttonId(prefix: ButtonPrefix, ...args: (string | number)[]): string {
  const parts = args.map(String);
  if (parts.some((a) => a.includes(':'))) throw new Error(`a button argument may not contain ":" (${prefix})`);
  const id = [prefix, ...parts].join(':');
  if (id.length > LIMITS.customId) throw new Error(`button id longer than ${LIMITS.customId} characters (${prefix})`);
  return id;
}

/** The prefix and arguments of a clicked button's custom id. */
export function parseButtonId(customId: string): { prefix: string; args: string[] } {
  const [prefix = '', ...args] = customId.split(':');
  return { prefix, args };
}
