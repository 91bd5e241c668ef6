import type { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { BotContext } from './context.js';

/** A slash command: its builder definition and its handlers (discord.js guide's command shape). */
export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
  /** Buttons this command owns, by custom-id prefix (`<prefix>:<args>`). */
  buttons?: Record<string, (interaction: ButtonInteraction, args: string[], ctx: BotContext) => Promise<void>>;
}
