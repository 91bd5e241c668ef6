import { ask } from './ask.js';
import { digest } from './digest.js';
import { help } from './help.js';
import { paper } from './paper.js';
import { saved } from './saved.js';
import { search } from './search.js';
import { similar } from './similar.js';
import { subscribe } from './subscribe.js';
import { subscriptions } from './subscriptions.js';
import { top } from './top.js';
import type { ButtonHandler, Command } from './types.js';

/** Every slash command, one file each. The bot, deploy-commands and tests all read this list. */
export const commands: Command[] = [ask, search, paper, similar, saved, help, digest, subscribe, subscriptions, top];

/** Commands by name; two commands of one name fail at load. */
export const commandByName = commandsByName(commands);

export function commandsByName(list: Command[]): Map<string, Command> {
  const out = new Map<string, Command>();
  for (const c of list) {
    if (out.has(c.data.name)) throw new Error(`two commands are named /${c.data.name}`);
    out.set(c.data.name, c);
  }
  return out;
}

/** Button handlers by custom-id prefix, gathered from the commands that own them; two owners of one prefix fail at load. */
export const buttonByPrefix = buttonHandlers(commands);

export function buttonHandlers(list: Command[]): Map<string, ButtonHandler> {
  const out = new Map<string, ButtonHandler>();
  for (const c of list)
    for (const [prefix, handler] of Object.entries(c.buttons ?? {})) {
      if (out.has(prefix)) throw new Error(`two commands handle buttons with the custom-id prefix "${prefix}" (/${c.data.name} and another)`);
      out.set(prefix, handler);
    }
  return out;
}
