import { MessageFlags, PermissionFlagsBits, channelMention, type ButtonInteraction } from 'discord.js';
import { paperView } from '../discord/render.js';
import { ThreadRefused, openThread, postIn, reopenThread, threadState } from '../threads/discord.js';
import type { RetrievablePaper } from '../paper/paper.js';
import { clip } from '../util.js';
import type { BotContext } from './context.js';
import { ephemeral, paperById } from './shared.js';

/** The bot's permissions a paper thread needs in the channel. */
const THREAD_PERMISSIONS = [PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.SendMessagesInThreads];

export const THREAD_HINT = 'Ask about this paper here with `/ask`, or mention me with your question: answers come from this paper only.';

/** Where a question asked in a channel is answered from: a paper thread's paper, the reason it cannot be, or the whole library (undefined). */
export type Scope = { within: { id: string; title: string } } | { refusal: string } | undefined;

/** A channel that is a paper's thread answers from that paper; one whose paper has left the library says so. */
export async function scopeOf(ctx: BotContext, channelId: string | null): Promise<Scope> {
  const thread = channelId ? await ctx.app.threads.byThread(channelId) : undefined;
  if (!thread) return undefined;
  const p = await paperById(ctx, thread.paperId);
  if (!p) {
    return {
      refusal: `"${clip(thread.title, 120)}", the paper this thread was opened for, is no longer in the library, so I cannot answer from it here. Ask in the channel to search the whole library.`,
    };
  }
  return { within: { id: p.id, title: p.title } };
}

/**
 * Which conversation a question continues: a paper thread's own (everyone in it, kept in the
 * database), else the user's in that channel (so follow-ups via /ask or mentions work too).
 */
export const conversationOf = (channelId: string | null, userId: string, scope: Scope) => (scope ? `thread:${channelId}` : `ask:${channelId}:${userId}`);

/**
 * The "Discuss" button of a paper card or of a paper of the daily post: opens a public thread on
 * that message named after the paper, whose first message is the paper's card, or points to the
 * thread already open for it in this channel (reopened when archived). Missing permissions, a
 * locked thread, or a paper gone from the library: one ephemeral line.
 */
export async function discussPaper(interaction: ButtonInteraction, paperId: string | undefined, ctx: BotContext): Promise<void> {
  if (!interaction.guildId || !interaction.channelId) return void (await interaction.reply(ephemeral('Paper threads can be opened in a server channel only.')));
  if (interaction.appPermissions && !interaction.appPermissions.has(THREAD_PERMISSIONS)) {
    return void (await interaction.reply(
      ephemeral('I need the Create Public Threads and Send Messages in Threads permissions in this channel to open a discussion.'),
    ));
  }
  // Acknowledged before any database read or Discord call (Discord drops an interaction not acknowledged within 3 s).
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const p = paperId ? await paperById(ctx, paperId) : undefined;
  if (!p) return void (await interaction.editReply('That paper is no longer in the library.'));
  const here = await ctx.app.threads.byThread(interaction.channelId);
  if (here) return void (await interaction.editReply(`You are in the discussion of "${clip(here.title, 120)}": ${THREAD_HINT}`));
  try {
    const threadId = (await existingThread(interaction, p, ctx)) ?? (await newThread(interaction, p, ctx));
    await interaction.editReply(`Discussion of "${clip(p.title, 120)}": ${channelMention(threadId)}`);
  } catch (err) {
    if (!(err instanceof ThreadRefused)) throw err;
    await interaction.editReply(err.message);
  }
}

/** The thread open for this paper in this channel, reopened when archived; undefined when there is none (or Discord deleted it). */
async function existingThread(interaction: ButtonInteraction, p: RetrievablePaper, ctx: BotContext): Promise<string | undefined> {
  const known = await ctx.app.threads.forPaper(interaction.channelId, p.id);
  if (!known) return undefined;
  const rest = interaction.client.rest;
  const state = await threadState(rest, known.threadId);
  if (state === 'gone') {
    await ctx.app.threads.forget(known.threadId);
    return undefined;
  }
  if (state === 'locked')
    throw new ThreadRefused(`The discussion of "${clip(p.title, 120)}" (${channelMention(known.threadId)}) is locked: only a moderator can unlock it.`);
  if (state === 'archived') await reopenThread(rest, known.threadId);
  return known.threadId;
}

/** Opens the thread (on the clicked message when it is a channel message), posts the card in it, records it. */
async function newThread(interaction: ButtonInteraction, p: RetrievablePaper, ctx: BotContext): Promise<string> {
  const rest = interaction.client.rest;
  const onMessage = interaction.message.flags.has(MessageFlags.Ephemeral) ? undefined : interaction.message.id;
  const threadId = await openThread(rest, interaction.channelId, p.title, onMessage);
  const recorded = await ctx.app.threads.record({ threadId, channelId: interaction.channelId, guildId: interaction.guildId, paperId: p.id, title: p.title });
  // Two clicks at once: the first thread recorded is the paper's; this one is left as Discord made it.
  if (!recorded) return (await ctx.app.threads.forPaper(interaction.channelId, p.id))?.threadId ?? threadId;
  const card = paperView(p);
  await postIn(rest, threadId, { content: THREAD_HINT, embeds: card.embeds.map((e) => e.toJSON()), components: card.components.map((c) => c.toJSON()) });
  return threadId;
}
