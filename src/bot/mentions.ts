import { GatewayDispatchEvents, Routes, type Client, type GatewayMessageCreateDispatchData } from 'discord.js';
import { answerMessage } from '../commands/answer-flow.js';
import { ask } from '../commands/ask.js';
import type { BotContext } from '../commands/context.js';
import { conversationOf, scopeOf } from '../commands/paper-thread.js';
import { refusalOf, type Caller } from '../commands/preconditions.js';
import { ThreadRefused, postIn } from '../threads/discord.js';
import { clip } from '../util.js';
import { failureMessage } from './failure.js';

const HOW = 'Ask me a question after the mention, e.g. "@paperbot which dataset did they train on?"';

/**
 * A server message that mentions the bot is a question, answered as /ask answers it (its checks,
 * its answer flow) in a reply: in a paper's thread from that paper, in the thread's conversation.
 * The text of such a message reaches the bot without the privileged Message Content intent.
 */
export async function onMention(m: GatewayMessageCreateDispatchData, client: Client, ctx: BotContext): Promise<void> {
  const me = client.user?.id;
  if (!me || !m.guild_id || m.author.bot || !m.mentions.some((u) => u.id === me)) return;
  const rest = client.rest;
  const reply = (body: Record<string, unknown>) => postIn(rest, m.channel_id, { ...body, message_reference: { message_id: m.id, fail_if_not_exists: false } });
  try {
    const text = m.content.replace(new RegExp(`<@!?${me}>`, 'g'), ' ').trim();
    if (!text) return void (await reply({ content: HOW }));
    const scope = await scopeOf(ctx, m.channel_id);
    const caller: Caller = { userId: m.author.id, guildId: m.guild_id, permissions: null, option: () => text, subcommand: null };
    const refusal = scope && 'refusal' in scope ? scope.refusal : refusalOf(ask.preconditions, caller, ctx);
    if (refusal) return void (await reply({ content: refusal }));
    await rest.post(Routes.channelTyping(m.channel_id)).catch(() => {});
    const onReading = (title: string) => reply({ content: `Reading "${clip(title, 120)}" (its full text is new to the library)…` });
    const within = scope && 'within' in scope ? scope : undefined;
    const a = await answerMessage(ctx, text, conversationOf(m.channel_id, m.author.id, within), { onReading, ...within });
    await reply({ embeds: a.embeds.map((e) => e.toJSON()), components: a.components.map((c) => c.toJSON()) });
  } catch (err) {
    // No right to post there (a locked thread, a permission taken away): nobody to tell but the log.
    if (err instanceof ThreadRefused) return void ctx.log.warn({ channel: m.channel_id, err: err.message }, 'could not answer a mention');
    await reply({ content: failureMessage(err, 'mention', ctx) }).catch(() => {});
  }
}

/** The reaction gateway events, each with what it does to a count: +1, -1, or 0 (cleared by a moderator). */
export const REACTION_EVENTS = [
  [GatewayDispatchEvents.MessageReactionAdd, 1],
  [GatewayDispatchEvents.MessageReactionRemove, -1],
  [GatewayDispatchEvents.MessageReactionRemoveAll, 0],
  [GatewayDispatchEvents.MessageReactionRemoveEmoji, 0],
] as const;

export interface ReactionEvent {
  message_id: string;
  user_id?: string;
  emoji?: { name: string | null };
  member?: { user?: { bot?: boolean } };
}

/** 👍 and 👎 in any skin tone; other emoji are not counted. */
function kindOf(emoji: string | null | undefined): 'up' | 'down' | undefined {
  const base = (emoji ?? '').replace(/[\u{1F3FB}-\u{1F3FF}\uFE0F]/gu, '');
  return base === '👍' ? 'up' : base === '👎' ? 'down' : undefined;
}

/** A 👍 or 👎 on a paper of a daily post counts for that paper in the channel (bots' reactions do not). */
export async function onReaction(r: ReactionEvent, delta: 1 | -1 | 0, client: Client, ctx: BotContext): Promise<void> {
  if ((r.user_id && r.user_id === client.user?.id) || r.member?.user?.bot) return;
  const kind = kindOf(r.emoji?.name);
  try {
    if (delta === 0) {
      if (!r.emoji) await ctx.app.digests.clearReactions(r.message_id);
      else if (kind) await ctx.app.digests.clearReactions(r.message_id, kind);
    } else if (kind) await ctx.app.digests.react(r.message_id, kind, delta);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'a reaction could not be counted');
  }
}
