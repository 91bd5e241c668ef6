import {
  ApplicationIntegrationType,
  InteractionContextType,
  MessageFlags,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type SlashCommandBuilder,
} from 'discord.js';
import type { RetrievablePaper } from '../paper/paper.js';
import { checkQuestion } from '../question.js';
import type { BotContext } from './context.js';
import { LIMITS, fit } from '../discord/limits.js';
import { normaliseTitle } from '../paper/paper.js';

/** Available in servers, in DMs with the bot, and as a user-installed app. */
export function everywhere<T extends SlashCommandBuilder>(b: T): T {
  return b
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall) as T;
}

export const ephemeral = (content: string) => ({ content: fit(content, LIMITS.content), flags: MessageFlags.Ephemeral as const });

/** A question (or query) option, checked (length, junk): the text, or undefined after an ephemeral one-line reason. */
export async function questionOption(interaction: ChatInputCommandInteraction, option: string): Promise<string | undefined> {
  const q = checkQuestion(interaction.options.getString(option) ?? '');
  if (q.ok) return q.question;
  await interaction.reply(ephemeral(q.message));
  return undefined;
}

/** A paper of the library by id (the catalog: in memory, or the database with a small cache). */
export async function paperById(ctx: BotContext, id: string): Promise<RetrievablePaper | undefined> {
  return (await ctx.app.catalog.get([id])).get(id);
}

/** Papers whose titles contain every typed word, in any order (prefix match on the last word). */
export async function matchTitles(ctx: BotContext, typed: string) {
  const words = normaliseTitle(typed).split(' ').filter(Boolean);
  const matches = await ctx.app.catalog.matchTitles(words, LIMITS.choices);
  return matches.map((p) => ({ name: fit(p.title, LIMITS.choiceName), value: p.id.slice(0, 100) }));
}

/** Autocomplete handler for a paper-title option. */
export async function autocompleteTitles(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  await interaction.respond(await matchTitles(ctx, interaction.options.getFocused()));
}

/**
 * The paper a title option names: the id autocomplete filled in, else the best title match of what
 * was typed. Replies with an ephemeral hint and returns undefined when nothing matches.
 */
export async function paperOption(interaction: ChatInputCommandInteraction, option: string, ctx: BotContext): Promise<RetrievablePaper | undefined> {
  const value = interaction.options.getString(option, true);
  const p = (await paperById(ctx, value)) ?? (await paperById(ctx, (await matchTitles(ctx, value))[0]?.value ?? ''));
  if (!p) await interaction.reply(ephemeral(`No paper in the library matches "${value}". Pick one of the suggestions while typing.`));
  return p;
}
