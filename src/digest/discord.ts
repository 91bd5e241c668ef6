import { ActionRowBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError, EmbedBuilder, RESTJSONErrorCodes, Routes, type REST } from 'discord.js';
import { BUTTONS, buttonId } from '../discord/button-ids.js';
import { LIMITS, fit } from '../discord/limits.js';
import { postNonce, type Digest } from './digest.js';
import { ChannelGone, type SentMessage } from './scheduler.js';

/** A paper's buttons on the post: to the reading list, and into a thread about it. */
function paperRow(p: Digest['papers'][number]) {
  return new ActionRowBuilder<ButtonBuilder>()
    .addComponents(
      new ButtonBuilder().setCustomId(buttonId(BUTTONS.save, p.id)).setLabel('Save').setStyle(ButtonStyle.Secondary),
      new ButtonBuilder().setCustomId(buttonId(BUTTONS.discuss, p.id)).setLabel('Discuss').setStyle(ButtonStyle.Secondary),
    )
    .toJSON();
}

export interface DigestMessage {
  content?: string;
  embeds: ReturnType<EmbedBuilder['toJSON']>[];
  components?: ReturnType<typeof paperRow>[];
  /** The paper the message shows (its 👍 / 👎 count for it; its thread is about it). */
  paperId?: string;
}

/**
 * The post as Discord messages: one per paper (the first also carries the header), each with Save
 * and Discuss buttons, so a reaction or a thread belongs to one paper. No papers: the header alone.
 */
export function digestMessages(d: Digest): DigestMessage[] {
  if (d.papers.length === 0) return [{ content: d.header, embeds: [] }];
  return d.papers.map((p, i) => {
    const e = new EmbedBuilder().setColor(0xff9d00).setTitle(fit(p.title, LIMITS.embedTitle)).setDescription(fit(p.summary, 1000));
    if (p.url) e.setURL(p.url);
    if (p.thumbnail) e.setThumbnail(p.thumbnail);
    if (p.upvotes !== undefined) e.addFields({ name: 'Upvotes', value: String(p.upvotes), inline: true });
    if (p.code) e.addFields({ name: 'Code', value: fit(p.code, LIMITS.fieldValue), inline: true });
    return { ...(i === 0 ? { content: d.header } : {}), embeds: [e.toJSON()], components: [paperRow(p)], paperId: p.id };
  });
}

const GONE = new Set<number>([RESTJSONErrorCodes.UnknownChannel, RESTJSONErrorCodes.MissingAccess, RESTJSONErrorCodes.MissingPermissions]);

/**
 * Posts a digest through Discord's REST API (the messages sent, one per paper), each message under its own nonce with `enforce_nonce`
 * (a retry of a send that reached Discord returns the message already posted); a deleted channel or
 * lost permission is ChannelGone.
 */
export async function sendDigest(rest: REST, channelId: string, d: Digest, day: string): Promise<SentMessage[]> {
  const sent: SentMessage[] = [];
  for (const [i, { paperId, ...msg }] of digestMessages(d).entries()) {
    try {
      const once = { nonce: postNonce(channelId, day, i), enforce_nonce: true };
      const posted = (await rest.post(Routes.channelMessages(channelId), { body: { ...msg, ...once, allowed_mentions: { parse: [] } } })) as { id: string };
      if (paperId) sent.push({ messageId: posted.id, paperId });
    } catch (err) {
      if (err instanceof DiscordAPIError && typeof err.code === 'number' && GONE.has(err.code)) {
        const why = err.code === RESTJSONErrorCodes.UnknownChannel ? 'the channel no longer exists' : 'the bot lost permission to post there';
        throw new ChannelGone(`${why} (Discord error ${err.code})`);
      }
      throw err;
    }
  }
  return sent;
}
