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
          '**Discuss** on a paper card or a daily post opens a thread about that paper: there `/ask`, or mention me, answers from that paper only.',
          '**/subscribe** `topic:` `exclude:` — a DM when new papers match a topic; **/subscriptions** lists them.',
          '**/digest** `subscribe` — daily or weekly posts in a channel, with `exclude:` and `categories:` filters (Manage Server).',
          '**/top** `period:` — this channel’s most liked papers (👍 on its daily posts).',
          '',
          'You can also DM me a question, or mention me in a server; follow-ups like "and the second one?" work. Send `reset` to start over.',
          'When the library has no paper on your question, I say so rather than guess.',
        ].join('\n'),
      );
    await interaction.reply({ embeds: [e], flags: MessageFlags.Ephemeral });
  },
};
