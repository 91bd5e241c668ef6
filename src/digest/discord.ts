import { ActionRowBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError, EmbedBuilder, RESTJSONErrorCodes, Routes, type REST } from 'discord.js';
import { BUTTONS, buttonId } from '../discord/button-ids.js';
import { LIMITS, fit } from '../discord/limits.js';
import { postNonce, type Digest } from './digest.js';
import { ChannelGone } from './scheduler.js';

/** "Save 1" … "Save 10": a button per paper of a message, five to a row. */
function saveRows(papers: Digest['papers'], first: number) {
  const rows: ReturnType<ActionRowBuilder<ButtonBuilder>['toJSON']>[] = [];
  for (let i = 0; i < papers.length; i += 5) {
    const buttons = papers.slice(i, i + 5).map((p, j) =>
      new ButtonBuilder()
        .setCustomId(buttonId(BUTTONS.save, p.id))
        .setLabel(`Save ${first + i + j + 1}`)
        .setStyle(ButtonStyle.Secondary),
    );
    rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(buttons).toJSON());
  }
  return rows;
}

/** The post as Discord messages: the header, then one embed per paper (at most 10 embeds a message), each paper with a Save button. */
export function digestMessages(d: Digest) {
  const embeds = d.papers.map((p) => {
    const e = new EmbedBuilder().setColor(0xff9d00).setTitle(fit(p.title, LIMITS.embedTitle)).setDescription(fit(p.summary, 1000));
    if (p.url) e.setURL(p.url);
    if (p.thumbnail) e.setThumbnail(p.thumbnail);
    if (p.upvotes !== undefined) e.addFields({ name: 'Upvotes', value: String(p.upvotes), inline: true });
    if (p.code) e.addFields({ name: 'Code', value: fit(p.code, LIMITS.fieldValue), inline: true });
    return e.toJSON();
  });
  const messages: { content?: string; embeds: ReturnType<EmbedBuilder['toJSON']>[]; components?: ReturnType<typeof saveRows> }[] = [];
  for (let i = 0; i < Math.max(1, embeds.length); i += LIMITS.embedsPerMessage) {
    const papers = d.papers.slice(i, i + LIMITS.embedsPerMessage);
    messages.push({
      ...(i === 0 ? { content: d.header } : {}),
      embeds: embeds.slice(i, i + LIMITS.embedsPerMessage),
      ...(papers.length ? { components: saveRows(papers, i) } : {}),
    });
  }
  return messages;
}

const GONE = new Set<number>([RESTJSONErrorCodes.UnknownChannel, RESTJSONErrorCodes.MissingAccess, RESTJSONErrorCodes.MissingPermissions]);

/**
 * Posts a digest through Discord's REST API, each message under its own nonce with `enforce_nonce`
 * (a retry of a send that reached Discord returns the message already posted); a deleted channel or
 * lost permission is ChannelGone.
 */
export async function sendDigest(rest: REST, channelId: string, d: Digest, day: string): Promise<void> {
  for (const [i, msg] of digestMessages(d).entries()) {
    try {
      const once = { nonce: postNonce(channelId, day, i), enforce_nonce: true };
      await rest.post(Routes.channelMessages(channelId), { body: { ...msg, ...once, allowed_mentions: { parse: [] } } });
    } catch (err) {
      if (err instanceof DiscordAPIError && typeof err.code === 'number' && GONE.has(err.code)) {
        const why = err.code === RESTJSONErrorCodes.UnknownChannel ? 'the channel no longer exists' : 'the bot lost permission to post there';
        throw new ChannelGone(`${why} (Discord error ${err.code})`);
      }
      throw err;
    }
  }
}
