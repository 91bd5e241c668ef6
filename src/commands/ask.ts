import { SlashCommandBuilder, MessageFlags } from 'discord.js';
import { MAX_QUESTION_CHARS } from '../question.js';
import { clip } from '../util.js';
import { evidenceEmbed } from '../discord/render.js';
import { answerMessage } from './answer-flow.js';
import { rateLimited, validQuestion } from './preconditions.js';
import type { Command } from './types.js';
import { ephemeral, everywhere, questionOption } from './shared.js';
import { conversationOf, scopeOf } from './paper-thread.js';

/** /ask question:<text> — a short answer in which every sentence cites a numbered paper; in a paper's thread, from that paper only. */
export const ask: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('ask')
    .setDescription('Ask a question; the answer cites the papers it comes from')
    .addStringOption((o) => o.setName('question').setDescription('Your question about the papers').setRequired(true).setMaxLength(MAX_QUESTION_CHARS)),

  preconditions: [validQuestion('question'), rateLimited],

  async execute(interaction, ctx) {
    const question = await questionOption(interaction, 'question');
    if (!question) return;
    // Deferred before any database read: Discord drops an interaction not acknowledged within 3 s.
    await interaction.deferReply();
    const scope = await scopeOf(ctx, interaction.channelId);
    if (scope && 'refusal' in scope) return void (await interaction.editReply(scope.refusal));
    const onReading = (title: string) => interaction.editReply(`Reading "${clip(title, 120)}" (its full text is new to the library)…`);
    const message = await answerMessage(ctx, question, conversationOf(interaction.channelId, interaction.user.id, scope), { onReading, ...scope });
    await interaction.editReply({ content: '', ...message });
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
