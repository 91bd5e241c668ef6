import {
  ChannelType,
  EmbedBuilder,
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
  type GuildBasedChannel,
  MessageFlags,
  channelMention,
} from 'discord.js';
import { prepareDigest } from '../jobs/digest.js';
import { digestMessages } from '../digest/discord.js';
import { isTimeZone, localDay, parseTime } from '../digest/scheduler.js';
import { LIMITS, fit } from '../discord/limits.js';
import type { BotContext } from './context.js';
import type { Command } from './types.js';
import { guildOnly, memberCan } from './preconditions.js';
import { describeFilter, parseCategories, parseExclude } from '../paper/filters.js';
import type { Subscription } from '../digest/store.js';
import { ephemeral } from './shared.js';

const NEEDED = [PermissionFlagsBits.ViewChannel, PermissionFlagsBits.SendMessages, PermissionFlagsBits.EmbedLinks];
const ZONES = Intl.supportedValuesOf('timeZone');
/** Croner's (and JavaScript's) weekday numbers: 0 = Sunday. */
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Can the bot post embeds in the channel? undefined when Discord did not tell us enough to know. */
function botCanPost(interaction: ChatInputCommandInteraction, channelId: string): boolean | undefined {
  const channel = interaction.guild?.channels.cache.get(channelId) as GuildBasedChannel | undefined;
  const me = interaction.guild?.members.me;
  if (!channel || !me) return undefined;
  return channel.permissionsFor(me).has(NEEDED);
}

/** /digest subscribe | unsubscribe | status | preview — a server's daily or weekly trending-papers posts, with filters. */
export const digest: Command = {
  data: new SlashCommandBuilder()
    .setName('digest')
    .setDescription('Daily or weekly trending-papers posts for this server')
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
        )
        .addStringOption((o) =>
          o
            .setName('frequency')
            .setDescription('Every day, or once a week with the week’s top papers (default daily)')
            .addChoices({ name: 'daily', value: 'daily' }, { name: 'weekly', value: 'weekly' }),
        )
        .addIntegerOption((o) =>
          o
            .setName('day')
            .setDescription('Weekly: the day of the post (default Monday)')
            .addChoices(...WEEKDAYS.map((name, value) => ({ name, value }))),
        )
        .addStringOption((o) =>
          o.setName('exclude').setDescription('Leave out papers that mention these, comma-separated (e.g. "survey, 3D")').setMaxLength(300),
        )
        .addStringOption((o) =>
          o.setName('categories').setDescription('Only these arXiv categories, e.g. cs.CV,cs.LG (where a paper’s are known)').setMaxLength(200),
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

  preconditions: [guildOnly, memberCan(PermissionFlagsBits.ManageGuild, 'Manage Server')],

  async execute(interaction, ctx) {
    const handler = SUBCOMMANDS[interaction.options.getSubcommand()];
    if (handler) await handler(interaction, ctx);
  },
};

/** "5 trending papers every day at 09:00 UTC" / "5 top papers of the week every Monday at 09:00 UTC". */
const scheduleOf = (s: Subscription) =>
  s.frequency === 'weekly'
    ? `${s.count} top papers of the week every ${WEEKDAYS[s.weekday]} at ${s.time} ${s.timezone}`
    : `${s.count} trending papers every day at ${s.time} ${s.timezone}`;

type Handler = (interaction: ChatInputCommandInteraction, ctx: BotContext) => Promise<void>;

/** One handler per subcommand, like `buttons`. */
const SUBCOMMANDS: Record<string, Handler> = {
  async subscribe(interaction, ctx) {
    const channel = interaction.options.getChannel('channel', true);
    const time = interaction.options.getString('time') ?? '09:00';
    const timezone = interaction.options.getString('timezone') ?? 'UTC';
    const at = parseTime(time);
    if (!at) return void (await interaction.reply(ephemeral(`"${time}" is not a time: use HH:MM, 24-hour (e.g. 09:00 or 18:30).`)));
    if (!isTimeZone(timezone)) {
      return void (await interaction.reply(
        ephemeral(`"${timezone}" is not a time zone I know: pick one of the suggestions, e.g. Europe/Berlin or America/New_York.`),
      ));
    }
    const exclude = parseExclude(interaction.options.getString('exclude'));
    if (!exclude.ok) return void (await interaction.reply(ephemeral(exclude.message)));
    const categories = parseCategories(interaction.options.getString('categories'));
    if (!categories.ok) return void (await interaction.reply(ephemeral(categories.message)));
    const can = botCanPost(interaction, channel.id);
    if (can === false) {
      return void (await interaction.reply(
        ephemeral(`I can't post embeds in ${channelMention(channel.id)}: give me View Channel, Send Messages and Embed Links there, then try again.`),
      ));
    }
    const saved = await ctx.app.digests.upsertSubscription(
      {
        channelId: channel.id,
        guildId: interaction.guildId,
        time: `${String(at.h).padStart(2, '0')}:${String(at.m).padStart(2, '0')}`,
        timezone,
        count: interaction.options.getInteger('count') ?? 5,
        source: (interaction.options.getString('source') as 'hf' | 'seed' | null) ?? ctx.app.config.DIGEST_SOURCE,
        frequency: interaction.options.getString('frequency') === 'weekly' ? 'weekly' : 'daily',
        weekday: interaction.options.getInteger('day') ?? 1,
        filter: { exclude: exclude.items, categories: categories.items },
      },
      new Date(),
    );
    const from = saved.source === 'hf' ? 'Hugging Face daily papers' : 'the seed page';
    const unsure = can === undefined ? ' (I could not check my permissions there; if a post fails I will pause it and /digest status will say why)' : '';
    const filtered = describeFilter(saved.filter);
    const what = `${scheduleOf(saved)}, from ${from}${filtered ? `, ${filtered}` : ''}`;
    await interaction.reply(ephemeral(`Subscribed ${channelMention(saved.channelId)}: ${what}${unsure}.`));
  },

  async unsubscribe(interaction, ctx) {
    const channel = interaction.options.getChannel('channel', true);
    const removed = await ctx.app.digests.remove(channel.id);
    await interaction.reply(ephemeral(`${channelMention(channel.id)} ${removed ? 'will get no more daily posts.' : 'had no daily post.'}`));
  },

  async status(interaction, ctx) {
    const digests = ctx.app.digests;
    const subs = await digests.subscriptions({ guildId: interaction.guildId ?? '' });
    const lasts = await Promise.all(subs.map((s) => digests.lastPost(s.channelId)));
    const lines = subs.map((s, i) => {
      const last = lasts[i];
      const state = s.enabled ? 'active' : `**paused**: ${s.disabledReason ?? 'unknown reason'}`;
      const lastRun = last ? ` — last: ${last.day} ${last.status}` : '';
      const filtered = describeFilter(s.filter);
      const when = s.frequency === 'weekly' ? `weekly on ${WEEKDAYS[s.weekday]}s at` : 'at';
      return `${channelMention(s.channelId)} — ${s.count} papers ${when} ${s.time} ${s.timezone} (${s.source})${filtered ? ` — ${filtered}` : ''} — ${state}${lastRun}`;
    });
    const e = new EmbedBuilder()
      .setTitle('Daily posts')
      .setDescription(fit(lines.join('\n') || 'No daily posts in this server. Use /digest subscribe.', LIMITS.embedDescription));
    await interaction.reply({ embeds: [e], flags: MessageFlags.Ephemeral });
  },

  async preview(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const channel = interaction.options.getChannel('channel');
    const s = channel ? await ctx.app.digests.subscription(channel.id) : undefined;
    const source = s?.source ?? ctx.app.config.DIGEST_SOURCE;
    const day = localDay(new Date(), s?.timezone ?? 'UTC');
    const request = { source, count: s?.count ?? 5, ...(channel ? { channelId: channel.id } : {}), ...(s ? { frequency: s.frequency, filter: s.filter } : {}) };
    const d = await ctx.work.run(() => prepareDigest(ctx.app, request, day));
    const [first] = digestMessages(d);
    await interaction.editReply({ content: `Preview (nothing was posted):\n${first!.content ?? ''}`, embeds: first!.embeds });
  },
};
