import { codeLink } from '../paper/paper.js';
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, embedLength, escapeMarkdown, hyperlink } from 'discord.js';
import type { Answer } from '../answer/types.js';
import type { PaperHit } from '../retrieval/hybrid-retriever.js';
import type { RetrievablePaper } from '../paper/paper.js';
import { BUTTONS, buttonId } from './button-ids.js';
import { LIMITS, fit } from './limits.js';

const BLUE = 0x5865f2;
const GREY = 0x99aab5;

/** The page a source links to: its canonical page, else its first (code) link. */
export function paperLink(p: { url?: string; links?: string[] }): string | undefined {
  return p.url ?? p.links?.[0];
}

/**
 * Markdown title link that never breaks: markdown in titles is escaped (brackets too, which
 * escapeMarkdown leaves alone and a link label cannot hold), the URL is kept whole.
 */
export function titleLink(title: string, url: string | undefined, max = 200): string {
  const t = escapeMarkdown(fit(title, max)).replace(/([[\]])/g, '\\$1');
  return url ? hyperlink(t, url) : t;
}

/** The cited answer: text, numbered sources as links; a refusal looks like one (grey, closest papers). */
/** The papers an answer's embed shows (its citations, or the closest papers of a refusal): fetch these first. */
export function answerPaperIds(a: Answer): string[] {
  return [...a.citations.map((c) => c.id), ...(a.closest ?? []).map((c) => c.id)];
}

export function answerEmbed(a: Answer, question: string, known: Map<string, RetrievablePaper>): EmbedBuilder {
  const papers = (id: string) => known.get(id);
  const e = new EmbedBuilder().setTitle(fit(question, LIMITS.embedTitle));
  if (a.refused) {
    e.setColor(GREY).setDescription(fit(a.answer, LIMITS.embedDescription));
    if (a.closest?.length) {
      const list = a.closest
        .map((c) => `• ${titleLink(c.title, paperLink({ ...(c.url ? { url: c.url } : {}), links: papers(c.id)?.links ?? [] }))}`)
        .join('\n');
      e.addFields({ name: 'Closest papers (they do not answer it)', value: fit(list, LIMITS.fieldValue) });
    }
    return e;
  }
  e.setColor(BLUE).setDescription(fit(a.notice ? `*${a.notice}*\n\n${a.answer}` : a.answer, LIMITS.embedDescription));
  const lines = a.citations.map((c) => {
    const p = papers(c.id);
    return `**[${c.n}]** ${titleLink(c.title, paperLink({ ...(c.url ? { url: c.url } : {}), links: p?.links ?? [] }), 180)}`;
  });
  // Several fields if the sources list is long; each stays within the field limit, whole lines only.
  let chunk = '';
  const flush = () => {
    const name = e.data.fields?.length ? 'Sources (cont.)' : 'Sources';
    // Whole fields only, and never past the 6,000-character total or 25 fields.
    if (chunk && embedLength(e.data) + name.length + chunk.length <= LIMITS.embedTotal && (e.data.fields?.length ?? 0) < LIMITS.fields) {
      e.addFields({ name, value: chunk });
    }
    chunk = '';
  };
  for (const line of lines) {
    if (chunk.length + line.length + 1 > LIMITS.fieldValue) flush();
    chunk = chunk ? `${chunk}\n${line}` : fit(line, LIMITS.fieldValue);
  }
  flush();
  return e;
}

export function evidenceButton(key: string): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(buttonId(BUTTONS.evidence, key)).setLabel('Show evidence').setStyle(ButtonStyle.Secondary),
  );
}

/** The quoted passages behind each citation, one field per source, within every embed limit. */
export function evidenceEmbed(a: Answer): EmbedBuilder {
  const e = new EmbedBuilder().setColor(GREY).setTitle('Evidence');
  for (const ev of a.evidence.slice(0, LIMITS.fields)) {
    const c = a.citations.find((x) => x.n === ev.n);
    // A passage of the body says where it is, and links to that section when the paper is online.
    const where = ev.section ? `\n— §${ev.section}${ev.url ? ` · ${ev.url}` : ''}` : '';
    const quote = fit(`> ${ev.text.replace(/\n+/g, ' ')}`, LIMITS.fieldValue - where.length);
    const field = { name: fit(`[${ev.n}] ${c?.title ?? ''}`, LIMITS.fieldName), value: `${quote}${where}`.slice(0, LIMITS.fieldValue) };
    if (embedLength(e.data) + field.name.length + field.value.length > LIMITS.embedTotal) break;
    e.addFields(field);
  }
  if (!a.evidence.length) e.setDescription('This answer cites no passages.');
  return e;
}

export const SEARCH_PAGE_SIZE = 5;

/** One page of search results with relevance, and paging buttons. */
export function searchPage(query: string, hits: PaperHit[], page: number, key: string) {
  const pages = Math.max(1, Math.ceil(hits.length / SEARCH_PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const e = new EmbedBuilder().setColor(BLUE).setTitle(fit(`Search: ${query}`, LIMITS.embedTitle));
  const start = p * SEARCH_PAGE_SIZE;
  const lines = hits.slice(start, start + SEARCH_PAGE_SIZE).map((h, i) => {
    const snippet = fit(h.passages[0]?.text ?? h.paper.abstract, 300);
    return `**${start + i + 1}.** ${titleLink(h.title, paperLink(h.paper), 200)} — relevance ${(h.score * 100).toFixed(0)}%\n${snippet}`;
  });
  e.setDescription(fit(lines.join('\n\n') || 'No matching papers.', LIMITS.embedDescription)).setFooter({
    text: `Page ${p + 1} of ${pages} · ${hits.length} papers`,
  });
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(buttonId(BUTTONS.search, key, p - 1))
      .setLabel('Previous')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(p === 0),
    new ButtonBuilder()
      .setCustomId(buttonId(BUTTONS.search, key, p + 1))
      .setLabel('Next')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(p >= pages - 1),
  );
  return { embeds: [e], components: [row] };
}

/** One paper: title, abstract (trimmed to the limits), links, and Similar papers / Save / Discuss buttons. */
export function paperView(p: RetrievablePaper) {
  const e = new EmbedBuilder()
    .setColor(BLUE)
    .setTitle(fit(p.title, LIMITS.embedTitle))
    .setDescription(fit(p.abstract, LIMITS.embedDescription - 200));
  const url = paperLink(p);
  if (url && url.length <= 2048) e.setURL(url);
  if (p.thumbnail) e.setThumbnail(p.thumbnail);
  if (p.authors?.length) e.setAuthor({ name: fit(authorLine(p.authors), LIMITS.embedAuthor) });
  if (p.upvotes !== undefined) e.addFields({ name: 'Upvotes', value: String(p.upvotes), inline: true });
  const code = codeLink(p);
  if (code) e.addFields({ name: 'Code', value: fit(code, LIMITS.fieldValue), inline: true });
  if (p.links.length) e.addFields({ name: 'Links', value: fit(p.links.map((l) => `<${l}>`).join('\n'), LIMITS.fieldValue) });
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(buttonId(BUTTONS.similar, p.id)).setLabel('Similar papers').setStyle(ButtonStyle.Primary),
    new ButtonBuilder().setCustomId(buttonId(BUTTONS.save, p.id)).setLabel('Save').setStyle(ButtonStyle.Secondary),
    new ButtonBuilder().setCustomId(buttonId(BUTTONS.discuss, p.id)).setLabel('Discuss').setStyle(ButtonStyle.Secondary),
  );
  return { embeds: [e], components: [row] };
}

/** Papers a page of the reading list shows. */
export const SAVED_PAGE = 10;

/** One page of a reading list: linked titles with their authors, Previous / Next. */
export function savedView(papers: RetrievablePaper[], page: number, pages: number, total: number) {
  const e = new EmbedBuilder().setColor(BLUE).setTitle('Your reading list');
  const lines = papers.map((p, i) => {
    const who = p.authors?.length ? ` — ${fit(authorLine(p.authors), 120)}` : '';
    return `**${page * SAVED_PAGE + i + 1}.** ${titleLink(p.title, paperLink(p), 200)}${who}`;
  });
  e.setDescription(fit(lines.join('\n') || 'Nothing saved yet: press Save on a paper card (`/paper show`).', LIMITS.embedDescription));
  e.setFooter({ text: `Page ${page + 1} of ${pages} · ${total} paper${total === 1 ? '' : 's'} · /saved export for BibTeX` });
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(buttonId(BUTTONS.saved, page - 1))
      .setLabel('Previous')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(page === 0),
    new ButtonBuilder()
      .setCustomId(buttonId(BUTTONS.saved, page + 1))
      .setLabel('Next')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(page >= pages - 1),
  );
  return { embeds: [e], components: total > SAVED_PAGE ? [row] : [] };
}

/** "A, B and C", or "A, B, C et al." past three authors. */
const authorLine = (names: string[]) =>
  names.length <= 3 ? names.join(names.length === 3 ? ', ' : ' and ').replace(/, ([^,]+)$/, ' and $1') : `${names.slice(0, 3).join(', ')} et al.`;

/** Nearest papers as a list embed. */
export function similarView(p: RetrievablePaper, hits: PaperHit[]) {
  const lines = hits.map((h, i) => `**${i + 1}.** ${titleLink(h.title, paperLink(h.paper), 200)} — similarity ${(h.score * 100).toFixed(0)}%`);
  return {
    embeds: [
      new EmbedBuilder()
        .setColor(BLUE)
        .setTitle(fit(`Similar to: ${p.title}`, LIMITS.embedTitle))
        .setDescription(fit(lines.join('\n') || 'No similar papers.', LIMITS.embedDescription)),
    ],
  };
}
