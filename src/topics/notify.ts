import { DiscordAPIError, EmbedBuilder, RESTJSONErrorCodes, Routes, type REST } from 'discord.js';
import type { Logger } from '../log.js';
import type { RetrievablePaper } from '../paper/paper.js';
import { LIMITS, fit } from '../discord/limits.js';
import { paperLink, titleLink } from '../discord/render.js';
import type { TopicStore } from './store.js';

/**
 * Sends each user at most one DM a day bundling the new papers that matched their topics. The day
 * is claimed before sending; a user whose DMs are closed is paused (not retried every day).
 */
export class TopicNotifier {
  constructor(
    private readonly d: {
      topics: TopicStore;
      rest: REST;
      papers: (ids: string[]) => Promise<Map<string, RetrievablePaper>>;
      log: Pick<Logger, 'info' | 'warn'>;
    },
  ) {}

  async flush(now = new Date()): Promise<number> {
    const day = now.toISOString().slice(0, 10);
    let sent = 0;
    for (const { userId, matches } of await this.d.topics.due(day)) {
      const known = await this.d.papers(matches.map((m) => m.paperId));
      const papers = matches.map((m) => ({ m, p: known.get(m.paperId) })).filter((x) => x.p);
      if (
        !(await this.d.topics.claimDay(
          userId,
          day,
          matches.map((m) => m.paperId),
        )) ||
        papers.length === 0
      )
        continue;
      const lines = papers.slice(0, 20).map(({ m, p }) => `• ${titleLink(p!.title, paperLink(p!), 180)} — matches “${fit(m.topic, 60)}”`);
      const embed = new EmbedBuilder()
        .setColor(0x5865f2)
        .setTitle(`${papers.length} new paper${papers.length === 1 ? '' : 's'} on your topics`)
        .setDescription(fit(lines.join('\n'), LIMITS.embedDescription))
        .setFooter({ text: 'Manage your topics with /subscriptions' });
      try {
        const channel = (await this.d.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
        await this.d.rest.post(Routes.channelMessages(channel.id), { body: { embeds: [embed.toJSON()], allowed_mentions: { parse: [] } } });
        sent++;
      } catch (err) {
        if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) {
          await this.d.topics.closeDms(userId);
          this.d.log.warn({ user: userId }, 'user does not accept DMs; topic alerts paused until they subscribe again');
        } else {
          this.d.log.warn({ user: userId, err: (err as Error).message }, 'topic alert DM failed');
        }
      }
    }
    return sent;
  }
}
