import { EmbedBuilder, SlashCommandBuilder, InteractionContextType } from 'discord.js';
import { daysBefore } from '../digest/digest.js';
import { localDay } from '../digest/scheduler.js';
import { LIMITS, fit } from '../discord/limits.js';
import { paperLink, titleLink } from '../discord/render.js';
import { guildOnly } from './preconditions.js';
import type { Command } from './types.js';

const PERIODS = { week: 7, month: 30 } as const;

/** /top [period: week | month] — this channel's most liked papers of its posts (👍 minus 👎 on each paper's message). */
export const top: Command = {
  data: new SlashCommandBuilder()
    .setName('top')
    .setDescription('This channel’s most liked papers of its daily posts (👍 on each paper)')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) =>
      o
        .setName('period')
        .setDescription('Papers posted in the last week (default) or month')
        .addChoices({ name: 'week', value: 'week' }, { name: 'month', value: 'month' }),
    ),

  preconditions: [guildOnly],

  async execute(interaction, ctx) {
    const period = interaction.options.getString('period') === 'month' ? 'month' : 'week';
    const since = daysBefore(localDay(new Date(), 'UTC'), PERIODS[period] - 1);
    const rows = await ctx.app.digests.reactions(interaction.channelId, since, 10);
    const papers = await ctx.app.catalog.get(rows.map((r) => r.paperId));
    const lines = rows.flatMap((r, i) => {
      const p = papers.get(r.paperId);
      return p ? [`**${i + 1}.** ${titleLink(p.title, paperLink(p), 200)} — 👍 ${r.up} · 👎 ${r.down}`] : [];
    });
    const none = `No reactions on this channel’s posts in the last ${period} yet: react 👍 or 👎 to the papers of a daily post.`;
    const e = new EmbedBuilder()
      .setColor(0xff9d00)
      .setTitle(`Most liked here, last ${period}`)
      .setDescription(fit(lines.join('\n') || none, LIMITS.embedDescription));
    await interaction.reply({ embeds: [e], allowedMentions: { parse: [] } });
  },
};
