import { AttachmentBuilder, MessageFlags, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { savedView, SAVED_PAGE } from '../discord/render.js';
import { bibtexOf, markdownList } from '../paper/bibtex.js';
import { MAX_SAVED } from '../library/saved-store.js';
import { normaliseTitle } from '../paper/paper.js';
import type { BotContext } from './context.js';
import type { Command } from './types.js';
import { ephemeral, everywhere, paperById } from './shared.js';

/** /saved list | remove paper: | export — your reading list, kept across servers and DMs; papers are added with a card's "Save" button. */
export const saved: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('saved')
    .setDescription('Your reading list: papers you saved with a card’s Save button')
    .addSubcommand((s) => s.setName('list').setDescription('The papers you saved, newest first'))
    .addSubcommand((s) =>
      s
        .setName('remove')
        .setDescription('Take a paper off your reading list')
        .addStringOption((o) => o.setName('paper').setDescription('Start typing its title').setRequired(true).setAutocomplete(true)),
    )
    .addSubcommand((s) => s.setName('export').setDescription('Your reading list as BibTeX (.bib) and Markdown (.md) files')),

  autocomplete: (interaction, ctx) => autocompleteSaved(interaction, ctx),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === 'remove') return removeSaved(interaction, ctx);
    if (sub === 'export') return exportSaved(interaction, ctx);
    await interaction.reply({ ...(await savedPage(ctx, interaction.user.id, 0)), flags: MessageFlags.Ephemeral });
  },

  buttons: {
    async save(interaction, [id], ctx) {
      const p = id ? await paperById(ctx, id) : undefined;
      if (!p) {
        await interaction.reply(ephemeral('That paper is no longer in the library.'));
        return;
      }
      const r = await ctx.app.backend.saved.save(interaction.user.id, p.id);
      const said = {
        saved: `Saved "${p.title}" to your reading list (\`/saved list\`, \`/saved export\`).`,
        already: `"${p.title}" is already on your reading list.`,
        full: `Your reading list is full (${MAX_SAVED} papers): remove some with \`/saved remove\` first.`,
      }[r];
      await interaction.reply(ephemeral(said));
    },
    async saved(interaction, [page], ctx) {
      await interaction.update(await savedPage(ctx, interaction.user.id, Number(page) || 0));
    },
  },
};

/** One page of a user's reading list (SAVED_PAGE papers), with Previous / Next. */
async function savedPage(ctx: BotContext, userId: string, page: number) {
  const total = await ctx.app.backend.saved.count(userId);
  const pages = Math.max(1, Math.ceil(total / SAVED_PAGE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const ids = await ctx.app.backend.saved.list(userId, p * SAVED_PAGE, SAVED_PAGE);
  const papers = await ctx.app.catalog.get(ids);
  return savedView(
    ids.map((id) => papers.get(id) ?? { id, title: `(${id}: no longer in the library)`, abstract: '', links: [] }),
    p,
    pages,
    total,
  );
}

async function savedPapers(ctx: BotContext, userId: string) {
  const ids = await ctx.app.backend.saved.list(userId);
  return ctx.app.store.getMany(ids).then((ps) => {
    const byId = new Map(ps.map((x) => [x.id, x]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  });
}

async function autocompleteSaved(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const typed = normaliseTitle(interaction.options.getFocused());
  const papers = await savedPapers(ctx, interaction.user.id);
  const words = typed.split(' ').filter(Boolean);
  const matches = papers.filter((p) => words.every((w) => normaliseTitle(p.title).includes(w)));
  await interaction.respond(matches.slice(0, 25).map((p) => ({ name: p.title.length > 100 ? `${p.title.slice(0, 99)}…` : p.title, value: p.id })));
}

async function removeSaved(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const value = interaction.options.getString('paper', true);
  const papers = await savedPapers(ctx, interaction.user.id);
  const p = papers.find((x) => x.id === value) ?? papers.find((x) => normaliseTitle(x.title).includes(normaliseTitle(value)));
  const removed = p ? await ctx.app.backend.saved.remove(interaction.user.id, p.id) : await ctx.app.backend.saved.remove(interaction.user.id, value);
  await interaction.reply(
    ephemeral(removed ? `Removed "${p?.title ?? value}" from your reading list.` : `"${value}" is not on your reading list (\`/saved list\` shows it).`),
  );
}

async function exportSaved(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const papers = await savedPapers(ctx, interaction.user.id);
  if (papers.length === 0) {
    await interaction.editReply('Your reading list is empty: save papers with the Save button on a paper card.');
    return;
  }
  await interaction.editReply({
    content: `Your reading list: ${papers.length} paper${papers.length === 1 ? '' : 's'}.`,
    files: [
      new AttachmentBuilder(Buffer.from(bibtexOf(papers)), { name: 'reading-list.bib' }),
      new AttachmentBuilder(Buffer.from(markdownList(papers)), { name: 'reading-list.md' }),
    ],
  });
}
