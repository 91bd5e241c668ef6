import { SlashCommandBuilder } from 'discord.js';
import { similarView } from '../discord/render.js';
import type { Command } from './types.js';
import { ephemeral, everywhere, matchTitles } from './shared.js';

/** /similar paper:<autocomplete> — nearest papers by embedding, excluding itself. */
export const similar: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('similar')
    .setDescription('Papers similar to one in the library')
    .addStringOption((o) => o.setName('paper').setDescription('Start typing a title').setRequired(true).setAutocomplete(true)),

  async autocomplete(interaction, ctx) {
    await interaction.respond(matchTitles(ctx, interaction.options.getFocused()));
  },

  async execute(interaction, ctx) {
    const value = interaction.options.getString('paper', true);
    const p = ctx.app.retriever.getPaper(value) ?? ctx.app.retriever.getPaper(matchTitles(ctx, value)[0]?.value ?? '');
    if (!p) {
      await interaction.reply(ephemeral(`No paper in the library matches "${value}". Pick one of the suggestions while typing.`));
      return;
    }
    await interaction.deferReply();
    await interaction.editReply(similarView(p, await ctx.work.run(() => ctx.app.retriever.similar(p.id, 5))));
  },
};
