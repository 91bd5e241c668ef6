import { SlashCommandBuilder } from 'discord.js';
import { similarView } from '../discord/render.js';
import type { Command } from './types.js';
import { rateLimited } from './preconditions.js';
import { autocompleteTitles, everywhere, paperOption } from './shared.js';

/** /similar paper:<autocomplete> — nearest papers by embedding, excluding itself. */
export const similar: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('similar')
    .setDescription('Papers similar to one in the library')
    .addStringOption((o) => o.setName('paper').setDescription('Start typing a title').setRequired(true).setAutocomplete(true)),

  preconditions: [rateLimited],
  autocomplete: autocompleteTitles,

  async execute(interaction, ctx) {
    const p = await paperOption(interaction, 'paper', ctx);
    if (!p) return;
    await interaction.deferReply();
    await interaction.editReply(similarView(p, await ctx.work.run(() => ctx.app.retriever.similar(p.id, 5))));
  },
};
