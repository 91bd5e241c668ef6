import { randomUUID } from 'node:crypto';
import { SlashCommandBuilder } from 'discord.js';
import { MAX_QUESTION_CHARS } from '../question.js';
import { searchPage } from '../discord/render.js';
import type { Command } from './types.js';
import { rateLimited, validQuestion } from './preconditions.js';
import { ephemeral, everywhere, questionOption } from './shared.js';

/** /search query:<text> [count] — ranked papers with relevance, paged with buttons. */
export const search: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('search')
    .setDescription('Find the papers most relevant to a query')
    .addStringOption((o) => o.setName('query').setDescription('What to look for').setRequired(true).setMaxLength(MAX_QUESTION_CHARS))
    .addIntegerOption((o) => o.setName('count').setDescription('How many papers (default 10)').setMinValue(1).setMaxValue(25)),

  preconditions: [validQuestion('query'), rateLimited],

  async execute(interaction, ctx) {
    const query = await questionOption(interaction, 'query');
    if (!query) return;
    await interaction.deferReply();
    const hits = await ctx.work.run(() => ctx.app.retriever.search(query, { k: interaction.options.getInteger('count') ?? 10, passages: 1 }));
    const key = randomUUID().slice(0, 12);
    await ctx.searches.set(key, { query, hits });
    await interaction.editReply(searchPage(query, hits, 0, key));
  },

  buttons: {
    async search(interaction, [key, page], ctx) {
      const state = key ? await ctx.searches.get(key) : undefined;
      if (!state) {
        await interaction.reply(ephemeral('Those results have expired; please search again.'));
        return;
      }
      await interaction.update(searchPage(state.query, state.hits, Number(page) || 0, key!));
    },
  },
};
