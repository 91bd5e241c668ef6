import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import type { RunningBot } from '../src/bot/bot.js';
import { SharedConversations } from '../src/answer/conversation.js';
import { THREAD_HINT } from '../src/commands/paper-thread.js';
import { startTestBot, type TestBot } from './helpers/bot.js';
import { ALL_PERMISSIONS, type FakeDiscord, type RestCall } from './helpers/fake-discord.js';
import { BACKENDS, makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

// The paper club (issue 26) end to end against the loopback Discord, on both backends: a thread per
// paper from the daily post, questions in it (/ask and mentions) answered from that paper, and
// 👍 / 👎 on the post's papers counted into /top.
describe.each(BACKENDS.filter((b) => !skipBackend(b)))('on %s', (name) => {
  const EPHEMERAL = 64;
  const GUILD = '600000000000000021';
  const CHANNEL = '700000000000000021';
  let backend: TestBackend | undefined;
  let t: TestBot;
  let discord: FakeDiscord;
  let app: App;
  let bot: RunningBot;
  /** The daily post's messages: message id and paper, in order. */
  let post: { messageId: string; paperId: string; title: string }[] = [];

  const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);
  const original = (token: string) => (c: RestCall) => c.method === 'PATCH' && c.path.includes(`/${token}/messages/`);
  const posted = (channel: string) => (c: RestCall) => c.method === 'POST' && c.path === `/channels/${channel}/messages`;
  const discuss = (i: number, perms = ALL_PERMISSIONS) => discord.guildButton(GUILD, CHANNEL, `discuss:${post[i]!.paperId}`, { id: post[i]!.messageId }, perms);
  const threadOf = (paperId: string) =>
    [...discord.threads.entries()].find(([, th]) => th.name === post.find((p) => p.paperId === paperId)!.title.slice(0, 100));
  /** The thread of the post's i-th paper, opened with its Discuss button when it has none yet (any test may run alone). */
  const openedThread = async (i: number) => {
    const known = threadOf(post[i]!.paperId);
    if (known) return known;
    const click = discuss(i);
    await discord.waitFor(original(click.token));
    return threadOf(post[i]!.paperId)!;
  };

  beforeAll(async () => {
    backend = await makeBackend(name);
    t = await startTestBot({ DATABASE_URL: backend.url }, { timers: false });
    ({ discord, app, bot } = t);
    discord.guild(GUILD, [{ id: CHANNEL }]);
    await new Promise((r) => setTimeout(r, 300));
    // Yesterday's subscription at 08:00 UTC: today's post goes out now.
    const now = new Date();
    const created = new Date(now.getTime() - 2 * 86_400_000);
    await app.digests.upsertSubscription({ channelId: CHANNEL, guildId: GUILD, time: '00:00', timezone: 'UTC', count: 3, source: 'seed' }, created);
    const mark = discord.calls.length;
    await bot.scheduler.runDue(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 0, 1)));
    const calls = discord.calls.slice(mark).filter((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL}/messages`);
    const messages = [...discord.byNonce.entries()].filter(([k]) => k.startsWith(`${CHANNEL}:`)).map(([, m]) => m as { id: string });
    const ids = calls.map((c) => (c.body.components[0].components[0].custom_id as string).slice('save:'.length));
    const titles = new Map((await app.store.getMany(ids)).map((p) => [p.id, p.title]));
    post = ids.map((paperId, i) => ({ messageId: messages[i]!.id, paperId, title: titles.get(paperId)! }));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.drop();
  });

  it('the daily post is a message per paper, each with Save and Discuss, recorded for its reactions', async () => {
    expect(post).toHaveLength(3);
    for (const p of post) expect(await app.digests.messagePaper(p.messageId)).toMatchObject({ channelId: CHANNEL, paperId: p.paperId });
  });

  it('Discuss opens a public thread on that paper’s message, named after it, whose first message is its card; again, goes to it', async () => {
    const mark = discord.calls.length;
    const click = discuss(0);
    const create = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL}/messages/${post[0]!.messageId}/threads`, 10_000, mark);
    expect(create.body.name).toBe(post[0]!.title.slice(0, 100));
    const [threadId] = threadOf(post[0]!.paperId)!;
    const card = await discord.waitFor(posted(threadId), 10_000, mark);
    expect(card.body.content).toBe(THREAD_HINT);
    expect(card.body.embeds[0].title).toBe(post[0]!.title);
    expect(card.body.allowed_mentions).toEqual({ parse: [] });
    const reply = await discord.waitFor(original(click.token), 10_000, mark);
    expect(reply.body.content).toBe(`Discussion of "${post[0]!.title}": <#${threadId}>`);
    expect((await discord.waitFor(callback(click.id))).body.data.flags).toBe(EPHEMERAL);
    // Again (from another member): the same thread, none created.
    const again = discuss(0);
    expect((await discord.waitFor(original(again.token), 10_000, mark + 3)).body.content).toBe(`Discussion of "${post[0]!.title}": <#${threadId}>`);
    expect(discord.threads.size).toBe(1);
    expect(await app.threads.byThread(threadId)).toMatchObject({ paperId: post[0]!.paperId, channelId: CHANNEL, guildId: GUILD });
    // The card's own Discuss, inside the thread: it says where you are.
    const inside = discord.guildButton(GUILD, threadId, `discuss:${post[0]!.paperId}`, { id: '710000000000000050' });
    expect((await discord.waitFor(original(inside.token))).body.content).toBe(`You are in the discussion of "${post[0]!.title}": ${THREAD_HINT}`);
  });

  it('an archived thread is reopened; a locked one is said to be locked; a deleted one is opened anew', async () => {
    const [threadId, th] = await openedThread(0);
    th.archived = true;
    let mark = discord.calls.length;
    const reopen = discuss(0);
    expect((await discord.waitFor(original(reopen.token), 10_000, mark)).body.content).toContain(`<#${threadId}>`);
    expect(
      discord.calls
        .slice(mark)
        .map((c) => `${c.method} ${c.path} ${JSON.stringify(c.body)}`)
        .join('\n'),
    ).toContain(`PATCH /channels/${threadId} {"archived":false}`);
    expect(th.archived).toBe(false);
    th.locked = true;
    mark = discord.calls.length;
    const locked = discuss(0);
    expect((await discord.waitFor(original(locked.token), 10_000, mark)).body.content).toMatch(/is locked: only a moderator can unlock it/);
    discord.threads.delete(threadId);
    mark = discord.calls.length;
    const anew = discuss(0);
    const reply = await discord.waitFor(original(anew.token), 10_000, mark);
    // Its message can take a thread again (Discord forgets a deleted one).
    const [newId] = threadOf(post[0]!.paperId)!;
    expect(newId).not.toBe(threadId);
    expect(reply.body.content).toContain(`<#${newId}>`);
    expect(await app.threads.byThread(threadId)).toBeUndefined();
    // A message that already has a thread (another bot's, or one made by hand): the thread is opened in the channel.
    discord.threads.set('710000000000000001', { parentId: CHANNEL, name: 'by hand', messageId: post[2]!.messageId, archived: false, locked: false });
    mark = discord.calls.length;
    const beside = discuss(2);
    await discord.waitFor(original(beside.token), 10_000, mark);
    expect(discord.calls.slice(mark).some((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL}/threads` && c.body.type === 11)).toBe(true);
    expect(threadOf(post[2]!.paperId)).toBeDefined();
  });

  it('without Create Public Threads, or where Discord refuses, or in a DM: one clear ephemeral line, no thread', async () => {
    const before = discord.threads.size;
    const noPerm = discuss(1, ALL_PERMISSIONS & ~(1n << 35n));
    expect((await discord.waitFor(callback(noPerm.id))).body.data).toMatchObject({
      flags: EPHEMERAL,
      content: 'I need the Create Public Threads and Send Messages in Threads permissions in this channel to open a discussion.',
    });
    discord.noThreads.add(CHANNEL);
    const refused = discuss(1);
    expect((await discord.waitFor(original(refused.token))).body.content).toMatch(/I lack a permission there: give me Create Public Threads/);
    discord.noThreads.delete(CHANNEL);
    // In a thread someone else opened (no thread can be opened inside a thread): Discord's reason, in one line.
    discord.threads.set('710000000000000077', { parentId: CHANNEL, name: 'chat', archived: false, locked: false });
    const inThread = discord.guildButton(GUILD, '710000000000000077', `discuss:${post[1]!.paperId}`, { id: '710000000000000078' });
    expect((await discord.waitFor(original(inThread.token))).body.content).toBe(
      'Discord would not open a thread here: Cannot execute action on this channel type.',
    );
    discord.threads.delete('710000000000000077');
    const dm = discord.interaction('button', { custom_id: `discuss:${post[1]!.paperId}` }, undefined, discord.botMessage(post[1]!.messageId, {}));
    expect((await discord.waitFor(callback(dm.id))).body.data.content).toBe('Paper threads can be opened in a server channel only.');
    const gone = discord.guildButton(GUILD, CHANNEL, 'discuss:no-such-paper', { id: post[1]!.messageId });
    expect((await discord.waitFor(callback(gone.id))).body.data.flags).toBe(EPHEMERAL);
    expect((await discord.waitFor(original(gone.token))).body.content).toBe('That paper is no longer in the library.');
    expect(discord.threads.size).toBe(before);
  });

  it('in the thread, /ask and a mention answer from that paper only, continuing one conversation kept in the database', async () => {
    const paper = post[0]!;
    const [threadId] = await openedThread(0);
    const ask = discord.guildCommand(GUILD, threadId, 'ask', [{ name: 'question', type: 3, value: 'What is the main idea?' }], {}, '0');
    const answer = await discord.waitFor(original(ask.token));
    expect(JSON.stringify(answer.body.embeds)).toContain(paper.title.slice(0, 40));
    const mark = discord.calls.length;
    discord.guildMessage(GUILD, threadId, `<@${discord.botId}> what results do they report?`, { mention: true });
    const reply = await discord.waitFor(posted(threadId), 15_000, mark);
    expect(reply.body.message_reference).toMatchObject({ fail_if_not_exists: false });
    expect(reply.body.allowed_mentions).toEqual({ parse: [] });
    expect(reply.body.embeds).toHaveLength(1);
    // Both turns are the thread's, in the database (another shard or a restart continues them), and cite only its paper.
    const turns = await new SharedConversations(app.db).turns(`thread:${threadId}`);
    expect(turns.map((x) => x.question)).toEqual(['What is the main idea?', 'what results do they report?']);
    for (const turn of turns) for (const c of turn.citations) expect(c.id).toBe(paper.paperId);
  });

  it('a mention in a channel (no paper thread) is a question to the whole library, answered in a reply', async () => {
    const mark = discord.calls.length;
    const m = discord.guildMessage(GUILD, CHANNEL, `<@${discord.botId}> What is LAION-5B?`, { mention: true });
    const reply = await discord.waitFor(posted(CHANNEL), 15_000, mark);
    expect(reply.body.message_reference).toMatchObject({ message_id: m.id });
    expect(JSON.stringify(reply.body.embeds)).toMatch(/LAION-5B/);
  });

  it('a mention with no question gets a hint; bots and messages without a mention are ignored', async () => {
    const [threadId] = await openedThread(0);
    const mark = discord.calls.length;
    discord.guildMessage(GUILD, threadId, `<@${discord.botId}>`, { mention: true });
    expect((await discord.waitFor(posted(threadId), 10_000, mark)).body.content).toMatch(/^Ask me a question after the mention/);
    discord.guildMessage(GUILD, threadId, 'what is this paper about?');
    discord.guildMessage(GUILD, threadId, `<@${discord.botId}> what is it?`, { mention: true, bot: true });
    await new Promise((r) => setTimeout(r, 500));
    expect(discord.calls.slice(mark).filter((c) => c.path === `/channels/${threadId}/messages`)).toHaveLength(1);
  });

  it('a thread whose paper left the library explains, and answers nothing', async () => {
    const threadId = '710000000000000099';
    await app.threads.record({ threadId, channelId: CHANNEL, guildId: GUILD, paperId: 'removed-paper', title: 'A Paper That Was Removed' });
    const ask = discord.guildCommand(GUILD, threadId, 'ask', [{ name: 'question', type: 3, value: 'What dataset did they use?' }], {}, '0');
    expect((await discord.waitFor(original(ask.token))).body.content).toMatch(
      /^"A Paper That Was Removed", the paper this thread was opened for, is no longer in the library/,
    );
  });

  it('👍 and 👎 on the post’s papers count per paper (bots and other emoji not), and /top lists the most liked', async () => {
    const [a, b, c] = post as [(typeof post)[0], (typeof post)[0], (typeof post)[0]];
    for (const u of ['1', '2', '3']) discord.reaction(GUILD, CHANNEL, b.messageId, '👍', { userId: `80000000000000000${u}` });
    discord.reaction(GUILD, CHANNEL, b.messageId, '👎', { userId: '800000000000000004' });
    discord.reaction(GUILD, CHANNEL, a.messageId, '👍🏽', { userId: '800000000000000005' });
    discord.reaction(GUILD, CHANNEL, a.messageId, '🎉', { userId: '800000000000000006' });
    discord.reaction(GUILD, CHANNEL, c.messageId, '👍', { userId: discord.botId, bot: true });
    discord.reaction(GUILD, CHANNEL, '799999999999999999', '👍', { userId: '800000000000000007' }); // not a post's message
    discord.reaction(GUILD, CHANNEL, b.messageId, '👍', { userId: '800000000000000003', remove: true });
    const since = '2000-01-01';
    const until = Date.now() + 10_000;
    let counts = await app.digests.reactions(CHANNEL, since);
    while (Date.now() < until && (counts.find((r) => r.paperId === b.paperId)?.up !== 2 || !counts.some((r) => r.paperId === a.paperId))) {
      await new Promise((r) => setTimeout(r, 100));
      counts = await app.digests.reactions(CHANNEL, since);
    }
    expect(counts.map((r) => [r.paperId, r.up, r.down])).toEqual([
      [b.paperId, 2, 1],
      [a.paperId, 1, 0],
    ]);
    const topCmd = discord.guildCommand(GUILD, CHANNEL, 'top', [{ name: 'period', type: 3, value: 'week' }], {}, '0');
    const r = await discord.waitFor(callback(topCmd.id));
    const lines = (r.body.data.embeds[0].description as string).split('\n');
    expect(lines[0]).toContain(b.title.slice(0, 30));
    expect(lines[0]).toMatch(/👍 2 · 👎 1$/);
    expect(lines[1]).toMatch(/👍 1 · 👎 0$/);
    expect(lines).toHaveLength(2);
  });
});
