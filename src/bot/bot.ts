import {
  Client,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayMessageCreateDispatchData,
  MessageFlags,
  Options,
  Partials,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type Message,
} from 'discord.js';
import type { App } from '../app.js';
import { buttonByPrefix, commandByName } from '../commands/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { checkQuestion } from '../question.js';
import { createContext, type BotContext } from '../commands/context.js';
import { deployCommands } from './deploy.js';
import { sendDigest } from '../digest/discord.js';
import { claimedDigest } from '../digest/digest.js';
import { prepareDigest } from '../jobs/digest.js';
import { FullTextReader } from '../jobs/fulltext.js';
import { DigestScheduler } from '../digest/scheduler.js';
import { TopicNotifier } from '../topics/notify.js';
import { Cron } from 'croner';
import { failureMessage } from './failure.js';
import { parseButtonId } from '../discord/button-ids.js';
import { answerMessage } from '../commands/answer-flow.js';
import { ask } from '../commands/ask.js';
import { callerOf, refusalOf } from '../commands/preconditions.js';
import { ephemeral } from '../commands/shared.js';
import { clip } from '../util.js';
import { REACTION_EVENTS, onMention, onReaction, type ReactionEvent } from './mentions.js';

/**
 * The discord.js client: only the intents the bot needs, no mention ever parsed from its output.
 * Under the ShardingManager it takes its shard ids from the environment the manager set; otherwise
 * it is shard 0 of 1 (our SHARDS setting, a count, must not be read as discord.js's shard-id list).
 */
export function createClient(config: Config): Client {
  return new Client({
    ...(process.env.SHARDING_MANAGER ? {} : { shards: [0], shardCount: 1 }),
    // None privileged: a server message's text reaches the bot only when it mentions the bot.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Channel], // DM channels arrive uncached
    // With the Guild Messages intent every server message arrives: none is kept (the bot reads what it needs from each event).
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    allowedMentions: { parse: [], repliedUser: false },
    rest: { api: config.DISCORD_API_BASE },
  });
}

export interface RunningBot {
  client: Client;
  ctx: BotContext;
  scheduler: DigestScheduler;
  notifier: TopicNotifier;
  stop(): Promise<void>;
}

/** Logs in and serves slash commands, buttons, autocomplete and DM questions until stopped. */
export async function startBot(app: App, config: Config, log: Logger, opts: { timers?: boolean } = {}): Promise<RunningBot> {
  if (!config.DISCORD_TOKEN) throw new Error('DISCORD_TOKEN is not set');
  const client = createClient(config);
  const ctx = createContext(app, log, config.ASK_RATE_LIMIT_PER_MINUTE);
  client.on(Events.InteractionCreate, (i) => void onInteraction(i, ctx));
  client.on(Events.MessageCreate, (m) => void onDirectMessage(m, ctx));
  // Raw gateway events: a mention in a thread the client never cached, a reaction on an uncached message.
  client.ws.on(GatewayDispatchEvents.MessageCreate, (m: GatewayMessageCreateDispatchData) => void onMention(m, client, ctx));
  for (const [event, delta] of REACTION_EVENTS) client.ws.on(event, (r: ReactionEvent) => void onReaction(r, delta, client, ctx));
  client.on(Events.Error, (err) => log.error({ err: err.message }, 'discord client error'));
  client.on(Events.ShardDisconnect, (_e, shard) => log.warn({ shard }, 'gateway disconnected; discord.js reconnects'));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.DISCORD_TOKEN);
  await ready;
  log.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'connected to Discord');
  if (config.REGISTER_COMMANDS && app.leader.isLeader) await deployCommands(config, log, client.application?.id);
  const reader = config.FULLTEXT_PER_DAY > 0 ? new FullTextReader(app, { perDay: config.FULLTEXT_PER_DAY, work: (fn) => ctx.work.run(fn) }) : undefined;
  const scheduler = new DigestScheduler({
    digests: app.digests,
    prepare: async (sub, day) => {
      const digest = await ctx.work.run(() => prepareDigest(app, sub, day));
      reader?.prioritize(digest.papers.map((p) => p.id));
      return digest;
    },
    rebuild: (sub, day, paperIds) => claimedDigest(app.store, day, paperIds, sub.frequency),
    // Each paper's message is recorded: its 👍 / 👎 count for that paper.
    send: async (sub, digest, day) => app.digests.recordMessages(sub.channelId, day, await sendDigest(client.rest, sub.channelId, digest, day)),
    log,
    isLeader: () => app.leader.isLeader,
  });
  const notifier = new TopicNotifier({ topics: app.topics, rest: client.rest, papers: (ids) => app.catalog.get(ids), log });
  // Every minute: due daily posts, and topic alerts. Tests drive both with their own clock instead.
  let alerts: Cron | undefined;
  let reading: Cron | undefined;
  if (opts.timers !== false) {
    reading = reader && readInBackground(app, reader, log);
    scheduler.start();
    const flush = () => {
      if (app.leader.isLeader) void notifier.flush().catch((err: Error) => log.error({ err: err.message }, 'topic alerts failed'));
    };
    alerts = new Cron('* * * * *', { protect: true }, flush);
    // A process that takes over (the leader died) catches up at once: a post due now is not a minute late.
    app.leader.onChange((leader) => {
      if (leader) {
        scheduler.tick();
        flush();
      }
    });
  }
  return {
    client,
    ctx,
    scheduler,
    notifier,
    async stop() {
      scheduler.stop();
      alerts?.stop();
      reading?.stop();
      await client.destroy();
    },
  };
}

/** Every 10 minutes, on the leader: a few full texts read (the day's digest papers first). */
function readInBackground(app: App, reader: FullTextReader, log: Logger): Cron {
  return new Cron('*/10 * * * *', { protect: true }, async () => {
    if (!app.leader.isLeader) return;
    try {
      const r = await reader.sweep();
      if (r.read || r.failed) log.info(r, 'background full-text reading');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'background full-text reading failed');
    }
  });
}

/**
 * Runs a handler; any error becomes "something went wrong" with a reference id (or "briefly
 * unavailable" when the database is down): the deferred reply edited into it, else an ephemeral reply.
 */
async function guarded(interaction: ChatInputCommandInteraction | ButtonInteraction, what: string, ctx: BotContext, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const content = failureMessage(err, what, ctx);
    const reply = { content, flags: MessageFlags.Ephemeral as const };
    try {
      // A deferred reply still showing "paperbot is thinking…" becomes the explanation; it would
      // otherwise stay in the channel until the token expires (15 min).
      if (interaction.deferred && !interaction.replied) await interaction.editReply({ content, embeds: [], components: [] });
      else if (interaction.replied) await interaction.followUp(reply);
      else await interaction.reply(reply);
    } catch (err2) {
      ctx.log.error({ err: (err2 as Error).message, what }, 'could not tell the user about the failure');
    }
  }
}

export async function onInteraction(interaction: Interaction, ctx: BotContext): Promise<void> {
  if (interaction.isAutocomplete()) {
    const cmd = commandByName.get(interaction.commandName);
    try {
      await cmd?.autocomplete?.(interaction, ctx);
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message, command: interaction.commandName }, 'autocomplete failed');
    }
    return;
  }
  if (interaction.isChatInputCommand()) {
    const cmd = commandByName.get(interaction.commandName);
    if (!cmd) {
      await interaction.reply({ content: 'That command is not available any more.', flags: MessageFlags.Ephemeral }).catch(() => {});
      return;
    }
    // The command's declared checks first (rate limit, guild only): a refusal is one ephemeral line.
    await guarded(interaction, `/${interaction.commandName}`, ctx, async () => {
      const refusal = refusalOf(cmd.preconditions, callerOf(interaction), ctx);
      if (refusal) await interaction.reply(ephemeral(refusal));
      else await cmd.execute(interaction, ctx);
    });
    return;
  }
  if (interaction.isButton()) {
    const { prefix, args } = parseButtonId(interaction.customId);
    const handler = buttonByPrefix.get(prefix);
    if (!handler) return;
    await guarded(interaction, `button ${prefix}`, ctx, () => handler(interaction, args, ctx));
  }
}

/**
 * A plain DM is a question in the user's conversation, answered the way /ask answers (its checks,
 * its answer flow); `reset` starts over.
 */
export async function onDirectMessage(message: Message, ctx: BotContext): Promise<void> {
  if (message.author.bot || message.guildId) return;
  const conversation = `dm:${message.author.id}`;
  try {
    const text = message.content.trim();
    if (/^(reset|start over|new topic)$/i.test(text)) {
      await ctx.app.chain.conversations.reset(conversation);
      await message.reply('Started a new conversation. Ask me anything about the papers.');
      return;
    }
    const refusal = refusalOf(ask.preconditions, callerOf(message), ctx);
    const q = checkQuestion(text);
    if (refusal || !q.ok) {
      await message.reply(refusal ?? (q.ok ? '' : q.message));
      return;
    }
    if ('sendTyping' in message.channel) await message.channel.sendTyping();
    const onReading = (title: string) => message.reply(`Reading "${clip(title, 120)}" (its full text is new to the library)…`);
    await message.reply(await answerMessage(ctx, q.question, conversation, { onReading }));
  } catch (err) {
    await message.reply(failureMessage(err, 'DM', ctx)).catch(() => {});
  }
}
