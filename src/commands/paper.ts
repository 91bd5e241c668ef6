import { SlashCommandBuilder, MessageFlags } from 'discord.js';
import { paperView, similarView } from '../discord/render.js';
import type { Command } from './types.js';
import { autocompleteTitles, ephemeral, everywhere, paperById, paperOption } from './shared.js';

/** /paper title:<autocomplete> — one paper, with a "Similar papers" button. */
export const paper: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('paper')
    .setDescription('Show one paper from the library')
    .addStringOption((o) => o.setName('title').setDescription('Start typing a title').setRequired(true).setAutocomplete(true)),

  autocomplete: autocompleteTitles,

  async execute(interaction, ctx) {
    const p = await paperOption(interaction, 'title', ctx);
    if (!p) return;
    await interaction.reply(paperView(p));
  },

  buttons: {
    async similar(interaction, [id], ctx) {
      const p = id ? await paperById(ctx, id) : undefined;
      if (!p) {
        await interaction.reply(ephemeral('That paper is no longer in the library.'));
        return;
      }
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply(similarView(p, await ctx.work.run(() => ctx.app.retriever.similar(p.id, 5))));
    },
  },
};
