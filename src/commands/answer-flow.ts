import { randomUUID } from 'node:crypto';
import type { ActionRowBuilder, ButtonBuilder, EmbedBuilder } from 'discord.js';
import { answerEmbed, answerPaperIds, evidenceButton } from '../discord/render.js';
import { readDocument, storeDocument } from '../jobs/add.js';
import { findArxivIdByTitle } from '../sources/arxiv.js';
import { normaliseTitle, type RetrievablePaper } from '../paper/paper.js';
import { aliasesOf, mentionsPaper } from '../retrieval/aliases.js';
import type { BotContext } from './context.js';
import { paperById } from './shared.js';

/** An answer as a Discord message: the cited answer, and its "Show evidence" button. */
export interface AnswerMessage {
  embeds: EmbedBuilder[];
  components: ActionRowBuilder<ButtonBuilder>[];
}

export interface AnswerOptions {
  /** Told when the paper asked about is read first (the user sees "Reading the paper…"). */
  onReading?: (title: string) => Promise<unknown>;
  /** Answer from this paper only (the question was asked in its discussion thread). */
  within?: { id: string; title: string };
}

/**
 * How a question is answered on Discord, whatever it came through (/ask, a DM, a paper thread):
 * the paper it names read first when the library has only its abstract, then answered in the work
 * queue within its conversation, kept for the evidence button, rendered.
 */
export async function answerMessage(ctx: BotContext, question: string, conversationId: string, opts: AnswerOptions = {}): Promise<AnswerMessage> {
  await readNamedPaper(ctx, question, opts);
  const answer = await ctx.work.run(() => ctx.app.chain.ask(question, conversationId, opts.within ? { within: opts.within } : {}));
  const key = randomUUID().slice(0, 12);
  await ctx.answers.set(key, answer);
  return {
    embeds: [answerEmbed(answer, question, await ctx.app.catalog.get(answerPaperIds(answer)))],
    components: answer.evidence.length ? [evidenceButton(key)] : [],
  };
}

/**
 * A question that names a paper (its name or title), or asked in its thread, whose abstract alone the library holds (an arXiv paper) gets
 * the paper read first, ahead of background requests in arXiv's queue (FULLTEXT_ON_DEMAND). One
 * that cannot be read is not tried again for a day; the question is then answered from the abstract.
 */
async function readNamedPaper(ctx: BotContext, question: string, opts: AnswerOptions): Promise<void> {
  const { app } = ctx;
  if (!app.config.FULLTEXT_ON_DEMAND || !app.body) return;
  const named = opts.within ? await paperById(ctx, opts.within.id) : await namedPaper(ctx, question);
  if (!named || ctx.unreadable.has(named.id) || (await app.body.withFullText([named.id])).has(named.id)) return;
  const known = (await app.store.get(named.id))?.arxivId;
  if (!known && Date.now() < ctx.arxivQuietUntil.at) return; // arXiv did not answer a moment ago
  try {
    // "Reading …" once there is a paper to read: a seed paper's id is found first (the user sees "thinking…" meanwhile).
    const arxivId = known ?? (await arxivIdOf(ctx, named.title));
    if (!arxivId) throw new Error('no arXiv paper has this title');
    await opts.onReading?.(named.title);
    const doc = await readDocument(app, arxivId, { urgent: true });
    await ctx.work.run(() => storeDocument(app, doc));
  } catch (err) {
    ctx.unreadable.set(named.id, true);
    ctx.log.warn({ paper: named.id, err: (err as Error).message }, 'full text not read on demand; answering from the abstract');
  }
}

/** After arXiv failed to answer a title lookup, seed papers are not looked up on demand for this long (offline, a user would wait each time). */
const ARXIV_QUIET_MS = 10 * 60_000;

/** How long a user waits at most for a seed paper's arXiv id before the answer comes from its abstract. */
const LOOKUP_TIMEOUT_MS = 5000;

/** A seed paper's arXiv id by its exact title: one urgent request, no retries, a short timeout (a user is waiting). */
async function arxivIdOf(ctx: BotContext, title: string): Promise<string | undefined> {
  const { config } = ctx.app;
  const timeoutMs = Math.min(config.SOURCE_TIMEOUT_MS, LOOKUP_TIMEOUT_MS);
  try {
    return await findArxivIdByTitle(title, { base: config.ARXIV_API_BASE, timeoutMs, retries: 0, urgent: true });
  } catch (err) {
    ctx.arxivQuietUntil.at = Date.now() + ARXIV_QUIET_MS;
    throw err;
  }
}

/** The paper a question names, by BM25 and the paper's names alone (no second embedding of the question on the hot path). */
async function namedPaper(ctx: BotContext, question: string): Promise<RetrievablePaper | undefined> {
  // A paper named by a rare name, its title or its authors is among the lexical top three.
  const top = await ctx.app.backend.lexical.search(question, 3);
  const papers = await ctx.app.catalog.get(top.map((r) => r.id));
  return top.map((r) => papers.get(r.id)).find((p) => p && namesOne(question, p));
}

/** Does the question name this paper: by one of its names ("BRAE", "Pei et al."), or by its whole title? */
const namesOne = (question: string, p: RetrievablePaper) =>
  mentionsPaper(question, aliasesOf(p)) || ` ${normaliseTitle(question)} `.includes(` ${normaliseTitle(p.title)} `);
