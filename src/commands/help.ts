import { EmbedBuilder, SlashCommandBuilder, MessageFlags } from 'discord.js';
import type { Command } from './types.js';
import { everywhere } from './shared.js';

/** /help — what the bot does, with examples (only you see it). */
export const help: Command = {
  data: everywhere(new SlashCommandBuilder().setName('help').setDescription('What paperbot can do, with examples')),

  async execute(interaction, ctx) {
    const e = new EmbedBuilder()
      .setColor(0x5865f2)
      .setTitle('paperbot')
      .setDescription(
        [
          `I keep a library of ${await ctx.app.catalog.count()} trending research papers and answer questions about them, citing the papers I use.`,
          '',
          '**/ask** `question:` — a short answer with numbered sources; "Show evidence" quotes the passages.',
          '  e.g. `/ask question: how can dataset distillation scale to ImageNet?`',
          '**/search** `query:` `count:` — the most relevant papers, with paging.',
          '**/paper show** `title:` — one paper (type part of a title and pick it).',
          '**/paper add** `link:` — add a paper from arXiv with its full text, so answers can quote its body (Manage Server).',
          '**/similar** `paper:` — papers close to one you pick.',
          '**/saved** `list` · `remove` · `export` — your reading list (press Save on a paper card); export gives BibTeX and Markdown.',
          '',
          'You can also DM me a question; follow-ups like "and the second one?" work. Send `reset` to start over.',
          'When the library has no paper on your question, I say so rather than guess.',
        ].join('\n'),
      );
    await interaction.reply({ embeds: [e], flags: MessageFlags.Ephemeral });
  },
};
