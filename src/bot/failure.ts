import { randomUUID } from 'node:crypto';
import type { BotContext } from '../commands/context.js';
import { isDatabaseUnavailable } from '../db/db.js';

const UNAVAILABLE = 'The paper library is briefly unavailable (its database is restarting). Please try again in a moment.';

/**
 * What a user is told when handling their interaction or message failed, logged with a reference
 * id: "briefly unavailable" while the database is down, else "something went wrong" with the id.
 */
export function failureMessage(err: unknown, what: string, ctx: BotContext): string {
  const ref = randomUUID().slice(0, 8);
  if (isDatabaseUnavailable(err)) {
    ctx.log.warn({ ref, what, err: (err as Error).message }, 'database unavailable');
    return UNAVAILABLE;
  }
  ctx.log.error({ ref, what, err: (err as Error).message, stack: (err as Error).stack }, 'handler failed');
  return `Something went wrong while handling that (reference \`${ref}\`). Please try again.`;
}
