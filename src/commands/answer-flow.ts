import { randomUUID } from 'node:crypto';
import type { ActionRowBuilder, ButtonBuilder, EmbedBuilder } from 'discord.js';
import { answerEmbed, answerPaperIds, evidenceButton } from '../discord/render.js';
import type { BotContext } from './context.js';

/** An answer as a Discord message: the cited answer, and its "Show evidence" button. */
export interface AnswerMessage {
  embeds: EmbedBuilder[];
  components: ActionRowBuilder<ButtonBuilder>[];
}

/**
 * How a question is answered on Discord, whatever it came through (/ask, a DM, a paper thread):
 * answered in the work queue within its conversation, kept for the evidence button, rendered.
 */
export async function answerMessage(ctx: BotContext, question: string, conversationId: string): Promise<AnswerMessage> {
  const answer = await ctx.work.run(() => ctx.app.chain.ask(question, conversationId));
  const key = randomUUID().slice(0, 12);
  await ctx.answers.set(key, answer);
  return {
    embeds: [answerEmbed(answer, question, await ctx.app.catalog.get(answerPaperIds(answer)))],
    components: answer.evidence.length ? [evidenceButton(key)] : [],
  };
}
