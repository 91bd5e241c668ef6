import { SlashCommandBuilder } from 'discord.js';
import { checkQuestion } from '../question.js';
import type { Command } from './types.js';
import { describeFilter, parseExclude } from '../paper/filters.js';
import { ephemeral, everywhere } from './shared.js';

export const MAX_TOPIC_CHARS = 200;

/** /subscribe topic:<text> [exclude:] — a DM (at most one a day) when new papers are close to the topic (and mention none of the excluded words). */
export const subscribe: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('subscribe')
    .setDescription('Get a DM when new papers match a topic (at most one DM a day)')
    .addStringOption((o) =>
      o.setName('topic').setDescription('e.g. "dataset distillation" or "medical image segmentation"').setRequired(true).setMaxLength(MAX_TOPIC_CHARS),
    )
    .addStringOption((o) => o.setName('exclude').setDescription('Leave out papers that mention these, comma-separated (e.g. "survey, 3D")').setMaxLength(300)),

  async execute(interaction, ctx) {
    const q = checkQuestion(interaction.options.getString('topic') ?? '');
    if (!q.ok) return void (await interaction.reply(ephemeral(q.message.replace(/question/g, 'topic'))));
    if (q.question.length > MAX_TOPIC_CHARS) return void (await interaction.reply(ephemeral(`Topics are at most ${MAX_TOPIC_CHARS} characters.`)));
    const exclude = parseExclude(interaction.options.getString('exclude'));
    if (!exclude.ok) return void (await interaction.reply(ephemeral(exclude.message)));
    const r = await ctx.app.topics.add(interaction.user.id, q.question, new Date(), exclude.items);
    if (!r.ok) return void (await interaction.reply(ephemeral(r.reason)));
    const without = exclude.items.length ? ` (${describeFilter({ exclude: exclude.items, categories: [] })})` : '';
    await interaction.reply(
      ephemeral(
        `Following “${q.question}”${without}. When new papers on it arrive I'll DM you, at most once a day — make sure DMs from this server's members (or from apps) are open. /subscriptions lists and removes topics.`,
      ),
    );
  },
};
