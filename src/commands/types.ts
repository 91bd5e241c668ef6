import type { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { BotContext } from './context.js';
import type { ButtonPrefix } from '../discord/button-ids.js';
import type { Precondition } from './preconditions.js';

/** A click on a button whose custom id has this handler's prefix; `args` are the id's other parts. */
export type ButtonHandler = (interaction: ButtonInteraction, args: string[], ctx: BotContext) => Promise<void>;

/** A slash command: its builder definition and its handlers (discord.js guide's command shape). */
export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  /** Checks the dispatcher applies before `execute` (rate limit, guild only), in this order. */
  preconditions?: readonly Precondition[];
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
  /** Buttons this command owns, by custom-id prefix (built and parsed by discord/button-ids.ts). */
  buttons?: Partial<Record<ButtonPrefix, ButtonHandler>>;
}
