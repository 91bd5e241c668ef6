import {
  ChannelType,
  EmbedBuilder,
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
  type GuildBasedChannel,
  MessageFlags,
} from 'discord.js';
import { prepareDigest } from '../jobs/digest.js';
import { digestMessages } from '../digest/discord.js';
import { isTimeZone, localDay, parseTime } from '../digest/scheduler.js';
import { LIMITS, fit } from '../discord/limits.js';
import type { Command } from './types.js';
import { ephemeral } from './shared.js';

const NEEDED = [PermissionFlagsBits.ViewChannel, PermissionFlagsBits.SendMessages, PermissionFlagsBits.EmbedLinks];
const ZONES = Intl.supportedValuesOf('timeZone');

/** Can the bot post embeds in the channel? undefined when Discord did not tell us enough to know. */
function botCanPost(interaction: ChatInputCommandInteraction, channelId: string): boolean | undefined {
  const channel = interaction.guild?.channels.cache.get(channelId) as GuildBasedChannel | undefined;
  const me = interaction.guild?.members.me;
  if (!channel || !me) return undefined;
  return channel.permissionsFor(me).has(NEEDED);
}

/** /digest subscribe | unsubscribe | status | preview — the daily trending-papers post of a server. */
export const digest: Command = {
  data: new SlashCommandBuilder()
    .setName('digest')
    .setDescription('Daily trending-papers posts for this server')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('subscribe')
        .setDescription('Post the day’s trending papers in a channel')
        .addChannelOption((o) =>
          o.setName('channel').setDescription('Where to post').setRequired(true).addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
        )
        .addStringOption((o) => o.setName('time').setDescription('Local time, HH:MM (default 09:00)').setMaxLength(5))
        .addStringOption((o) => o.setName('timezone').setDescription('IANA time zone, e.g. Europe/Berlin (default UTC)').setAutocomplete(true).setMaxLength(64))
        .addIntegerOption((o) => o.setName('count').setDescription('Papers per post (default 5)').setMinValue(1).setMaxValue(10))
        .addStringOption((o) =>
          o
            .setName('source')
            .setDescription('Where trending papers come from')
            .addChoices({ name: 'Hugging Face daily papers', value: 'hf' }, { name: 'the seed page (offline)', value: 'seed' }),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('unsubscribe')
        .setDescription('Stop the daily post in a channel')
        .addChannelOption((o) => o.setName('channel').setDescription('The channel').setRequired(true)),
    )
    .addSubcommand((s) => s.setName('status').setDescription('This server’s daily posts and their last run'))
    .addSubcommand((s) =>
      s
        .setName('preview')
        .setDescription('Show the post that would go out (posts nothing)')
        .addChannelOption((o) => o.setName('channel').setDescription('As this channel would get it')),
    ),

  async autocomplete(interaction) {
    const typed = interaction.options.getFocused().toLowerCase().replace(/\s+/g, '_');
    const matches = ZONES.filter((z) => z.toLowerCase().includes(typed));
    await interaction.respond(matches.slice(0, LIMITS.choices).map((z) => ({ name: z, value: z })));
  },

  async execute(interaction, ctx) {
    const digests = ctx.app.digests;
    const sub = interaction.options.getSubcommand();
    if (sub === 'subscribe') {
      const channel = interaction.options.getChannel('channel', true);
      const time = interaction.options.getString('time') ?? '09:00';
      const timezone = interaction.options.getString('timezone') ?? 'UTC';
      if (!parseTime(time)) return void (await interaction.reply(ephemeral(`"${time}" is not a time: use HH:MM, 24-hour (e.g. 09:00 or 18:30).`)));
      if (!isTimeZone(timezone))
        return void (await interaction.reply(
          ephemeral(`"${timezone}" is not a time zone I know: pick one of the suggestions, e.g. Europe/Berlin or America/New_York.`),
        ));
      const can = botCanPost(interaction, channel.id);
      if (can === false)
        return void (await interaction.reply(
          ephemeral(`I can't post embeds in <#${channel.id}>: give me View Channel, Send Messages and Embed Links there, then try again.`),
        ));
      const hh = parseTime(time)!;
      const saved = digests.upsertSubscription(
        {
          channelId: channel.id,
          guildId: interaction.guildId,
          time: `${String(hh.h).padStart(2, '0')}:${String(hh.m).padStart(2, '0')}`,
          timezone,
          count: interaction.options.getInteger('count') ?? 5,
          source: (interaction.options.getString('source') as 'hf' | 'seed' | null) ?? ctx.app.config.DIGEST_SOURCE,
        },
        new Date(),
      );
      const unsure = can === undefined ? ' (I could not check my permissions there; if a post fails I will pause it and /digest status will say why)' : '';
      await interaction.reply(
        ephemeral(
          `Subscribed <#${saved.channelId}>: ${saved.count} trending papers every day at ${saved.time} ${saved.timezone}, from ${saved.source === 'hf' ? 'Hugging Face daily papers' : 'the seed page'}${unsure}.`,
        ),
      );
      return;
    }
    if (sub === 'unsubscribe') {
      const channel = interaction.options.getChannel('channel', true);
      const removed = digests.remove(channel.id);
      await interaction.reply(ephemeral(removed ? `<#${channel.id}> will get no more daily posts.` : `<#${channel.id}> had no daily post.`));
      return;
    }
    if (sub === 'status') {
      const subs = digests.subscriptions({ guildId: interaction.guildId ?? '' });
      const lines = subs.map((s) => {
        const last = digests.lastPost(s.channelId);
        const state = s.enabled ? 'active' : `**paused**: ${s.disabledReason ?? 'unknown reason'}`;
        return `<#${s.channelId}> — ${s.count} papers at ${s.time} ${s.timezone} (${s.source}) — ${state}${last ? ` — last: ${last.day} ${last.status}` : ''}`;
      });
      const e = new EmbedBuilder()
        .setTitle('Daily posts')
        .setDescription(fit(lines.join('\n') || 'No daily posts in this server. Use /digest subscribe.', LIMITS.embedDescription));
      await interaction.reply({ embeds: [e], flags: MessageFlags.Ephemeral });
      return;
    }
    // preview
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const channel = interaction.options.getChannel('channel');
    const s = channel ? digests.subscription(channel.id) : undefined;
    const tz = s?.timezone ?? 'UTC';
    const d = await ctx.work.run(() =>
      prepareDigest(
        ctx.app,
        { source: s?.source ?? ctx.app.config.DIGEST_SOURCE, count: s?.count ?? 5, ...(channel ? { channelId: channel.id } : {}) },
        localDay(new Date(), tz),
      ),
    );
    const [first] = digestMessages(d);
    await interaction.editReply({ content: `Preview (nothing was posted):\n${first!.content ?? ''}`, embeds: first!.embeds });
  },
};
