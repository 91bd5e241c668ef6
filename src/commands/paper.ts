import { MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { paperView, similarView } from '../discord/render.js';
import { LIMITS, fit } from '../discord/limits.js';
import { UserFacingError } from '../errors.js';
import { describeAdded, readDocument, storeDocument } from '../jobs/add.js';
import type { AddedDocument } from '../library/add-document.js';
import { parseArxivRef } from '../sources/fulltext/arxiv-html.js';
import type { BotContext } from './context.js';
import { forSubcommand, guildOnly, memberCan } from './preconditions.js';
import type { Command } from './types.js';
import { discussPaper } from './paper-thread.js';
import { autocompleteTitles, ephemeral, everywhere, paperById, paperOption } from './shared.js';

/** /paper show title:<autocomplete> — one paper, with Similar papers, Save and Discuss (a thread about it) buttons; /paper add link: — a paper from arXiv with its full text (Manage Server). */
export const paper: Command = {
  data: everywhere(new SlashCommandBuilder())
    .setName('paper')
    .setDescription('One paper of the library, or add one from arXiv')
    .addSubcommand((s) =>
      s
        .setName('show')
        .setDescription('Show one paper from the library')
        .addStringOption((o) => o.setName('title').setDescription('Start typing a title').setRequired(true).setAutocomplete(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('Add a paper from arXiv with its full text (Manage Server)')
        .addStringOption((o) =>
          o.setName('link').setDescription('arXiv link or id, e.g. https://arxiv.org/abs/2401.01234').setRequired(true).setMaxLength(200),
        ),
    ),

  autocomplete: autocompleteTitles,

  // Adding changes the library every server shares: only inside a server, by those who manage it.
  preconditions: [forSubcommand('add', guildOnly, memberCan(PermissionFlagsBits.ManageGuild, 'Manage Server'))],

  async execute(interaction, ctx) {
    if (interaction.options.getSubcommand() === 'add') return addPaper(interaction, ctx);
    const p = await paperOption(interaction, 'title', ctx);
    if (!p) return;
    await interaction.reply(paperView(p));
  },

  buttons: {
    discuss: (interaction, [id], ctx) => discussPaper(interaction, id, ctx),
    async similar(interaction, [id], ctx) {
      const p = id ? await paperById(ctx, id) : undefined;
      if (!p) {
        await interaction.reply(ephemeral('That paper is no longer in the library.'));
        return;
      }
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply(similarView(p, await ctx.work.run(() => ctx.app.retriever.similar(p.id, 5))));
    },
  },
};

/** Reads the paper from arXiv (in the process's polite arXiv queue, ahead of background fetches) and shows its card. */
async function addPaper(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const link = interaction.options.getString('link', true);
  if (!parseArxivRef(link)) {
    await interaction.reply(ephemeral(`"${link}" is not an arXiv link or id (e.g. https://arxiv.org/abs/2401.01234 or 2401.01234).`));
    return;
  }
  await interaction.reply(ephemeral('Reading the paper…'));
  let added: AddedDocument;
  try {
    // The download waits its turn in arXiv's queue outside the work queue; embedding runs inside it.
    const doc = await readDocument(ctx.app, link, { urgent: true });
    added = await ctx.work.run(() => storeDocument(ctx.app, doc));
  } catch (err) {
    // No HTML on arXiv, an unreachable arXiv, a page that is not a paper: said as it is. Anything else is the dispatcher's to report.
    if (!(err instanceof UserFacingError)) throw err;
    await interaction.editReply({ content: fit(`Could not add it: ${err.message.split('\n')[0]}`, LIMITS.content) });
    return;
  }
  const p = await paperById(ctx, added.paperId);
  await interaction.editReply({ content: fit(describeAdded(added), LIMITS.content), ...(p ? paperView(p) : {}) });
}
