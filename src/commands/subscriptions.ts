import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, SlashCommandBuilder, MessageFlags } from 'discord.js';
import type { BotContext } from './context.js';
import { fit } from '../discord/limits.js';
import { BUTTONS, buttonId } from '../discord/button-ids.js';
import type { Command } from './types.js';
import { everywhere } from './shared.js';
import { describeFilter } from '../paper/filters.js';

async function view(userId: string, ctx: BotContext) {
  const topics = await ctx.app.topics.list(userId);
  const paused = await ctx.app.topics.dmsClosed(userId);
  const e = new EmbedBuilder()
    .setColor(0x5865f2)
    .setTitle('Your topics')
    .setDescription(
      topics.length
        ? topics
            .map((t, i) => `${i + 1}. ${fit(t.topic, 200)}${t.exclude.length ? ` — ${fit(describeFilter({ exclude: t.exclude, categories: [] }), 200)}` : ''}`)
            .join('\n') + (paused ? '\n\n**Paused**: my last DM to you could not be delivered (DMs closed). Open DMs and /subscribe again to resume.' : '')
        : 'You follow no topics. Use /subscribe topic: …',
    );
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  for (let i = 0; i < topics.length; i += 5) {
    rows.push(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        topics.slice(i, i + 5).map((t, j) =>
          new ButtonBuilder()
            .setCustomId(buttonId(BUTTONS.topicRemove, t.id))
            .setLabel(`Remove ${i + j + 1}`)
            .setStyle(ButtonStyle.Danger),
        ),
      ),
    );
  }
  return { embeds: [e], components: rows };
}

/** /subscriptions — your topics, with a button to remove each. */
export const subscriptions: Command = {
  data: everywhere(new SlashCommandBuilder()).setName('subscriptions').setDescription('List and remove the topics you follow'),

  async execute(interaction, ctx) {
    await interaction.reply({ ...(await view(interaction.user.id, ctx)), flags: MessageFlags.Ephemeral });
  },

  buttons: {
    async 'topic-remove'(interaction, [id], ctx) {
      await ctx.app.topics.remove(interaction.user.id, Number(id));
      await interaction.update(await view(interaction.user.id, ctx));
    },
  },
};
