import { randomUUID } from 'node:crypto';
import { SlashCommandBuilder, MessageFlags } from 'discord.js';
import { MAX_QUESTION_CHARS } from '../question.js';
import { answerEmbed, answerPaperIds, evidenceButton, evidenceEmbed } from '../discord/render.js';
import type { Command } from './types.js';
import { admitQuestion, ephemeral, everywhere } from './shared.js';

/** /ask question:<text> — a short answer in which every sentence cites a numbered paper. */
export const ask: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('ask')
    .setDescription('Ask a question; the answer cites the papers it comes from')
    .addStringOption((o) => o.setName('question').setDescription('Your question about the papers').setRequired(true).setMaxLength(MAX_QUESTION_CHARS)),

  async execute(interaction, ctx) {
    const question = await admitQuestion(interaction, interaction.options.getString('question'), ctx);
    if (!question) return;
    await interaction.deferReply();
    // One conversation per user and channel, so follow-ups via /ask work too.
    const answer = await ctx.work.run(() => ctx.app.chain.ask(question, `ask:${interaction.channelId}:${interaction.user.id}`));
    const key = randomUUID().slice(0, 12);
    await ctx.answers.set(key, answer);
    await interaction.editReply({
      embeds: [answerEmbed(answer, question, await ctx.app.retriever.papers(answerPaperIds(answer)))],
      components: answer.evidence.length ? [evidenceButton(key)] : [],
    });
  },

  buttons: {
    async evidence(interaction, [key], ctx) {
      const answer = key ? await ctx.answers.get(key) : undefined;
      if (!answer) {
        await interaction.reply(ephemeral('That answer is too old to show its evidence; please ask again.'));
        return;
      }
      await interaction.reply({ embeds: [evidenceEmbed(answer)], flags: MessageFlags.Ephemeral });
    },
  },
};
