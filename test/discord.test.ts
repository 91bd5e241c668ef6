import { commands } from '../src/commands/index.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../src/app.js';
import { startTestBot, type TestBot } from './helpers/bot.js';
import type { FakeDiscord, RestCall } from './helpers/fake-discord.js';

const EPHEMERAL = 64;
let t: TestBot;
let discord: FakeDiscord;
let app: App;

beforeAll(async () => {
  t = await startTestBot({ ASK_RATE_LIMIT_PER_MINUTE: '6' });
  ({ discord, app } = t);
}, 120_000);

afterAll(async () => t?.close());

const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);
const original = (token: string) => (c: RestCall) => c.method === 'PATCH' && c.path.includes(`/${token}/messages/`);
const ask = (question: string, user?: ReturnType<FakeDiscord['user']>) => discord.command('ask', [{ name: 'question', type: 3, value: question }], user);

describe('the bot against a loopback Discord', () => {
  it('/ask: deferred at once, then an embed with numbered sources and a "Show evidence" button', async () => {
    const i = ask('What does UnsafeBench find about image safety classifiers?');
    const ack = await discord.waitFor(callback(i.id));
    expect(ack.body.type).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    expect(ack.auth).toBeUndefined(); // interaction callbacks carry no Authorization header
    const edit = await discord.waitFor(original(i.token));
    expect(edit.path).toContain('%40original');
    const embed = edit.body.embeds[0];
    expect(embed.description).toMatch(/\[1\]/);
    expect(embed.fields[0].name).toBe('Sources');
    expect(embed.fields[0].value).toMatch(/\*\*\[1\]\*\* .*UnsafeBench/);
    expect(edit.body.components[0].components[0]).toMatchObject({ label: 'Show evidence', custom_id: expect.stringMatching(/^evidence:/) });
    expect(edit.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it('an /ask of 450 emoji gets a reply Discord accepts: titles are cut between graphemes, not inside an emoji', async () => {
    const i = ask('🎉'.repeat(450));
    const edit = await discord.waitFor(original(i.token));
    expect(JSON.stringify(edit.body)).not.toMatch(/\\ud[89a-f]/i);
    expect(edit.body.embeds[0].title.length).toBeLessThanOrEqual(256);
    await new Promise((r) => setTimeout(r, 200));
    const replies = discord.calls.filter((c) => c.path.includes(`/${i.token}`));
    expect(replies.some((c) => /something went wrong/i.test(JSON.stringify(c.body)))).toBe(false);
  });

  it('a DM of 450 emoji is answered with a reply Discord accepts', async () => {
    const user = discord.user(undefined, 'emo');
    const before = discord.calls.length;
    const dm = discord.directMessage('🎉'.repeat(450), user);
    const reply = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${dm.channelId}/messages`, 15_000, before);
    expect(JSON.stringify(reply.body)).not.toMatch(/\\ud[89a-f]/i);
    expect(JSON.stringify(reply.body)).not.toMatch(/something went wrong/i);
    expect(reply.body.embeds[0].title.length).toBeLessThanOrEqual(256);
  });

  it('a refusal looks like one: no citations, closest papers listed as such', async () => {
    const i = ask('How do I bake sourdough bread with a crispy crust?');
    const edit = await discord.waitFor(original(i.token));
    const embed = edit.body.embeds[0];
    expect(embed.description).toMatch(/library has no paper on that/);
    expect(embed.fields[0].name).toMatch(/Closest papers/);
    expect(embed.fields[0].value).toMatch(/dough become a bagel/);
    expect(edit.body.components).toEqual([]);
  });

  it('"Show evidence" replies ephemerally with the quoted passages', async () => {
    const i = ask('What is Matryoshka Representation Learning?');
    const edit = await discord.waitFor(original(i.token));
    const customId = edit.body.components[0].components[0].custom_id;
    const click = discord.interaction('button', { custom_id: customId }, i.user, discord.botMessage('1', edit.body));
    const reply = await discord.waitFor(callback(click.id));
    expect(reply.body.type).toBe(4);
    expect(reply.body.data.flags).toBe(EPHEMERAL);
    expect(reply.body.data.embeds[0].title).toBe('Evidence');
    expect(reply.body.data.embeds[0].fields[0].value).toMatch(/^> /);
  });

  it('/search pages through results with buttons', async () => {
    const i = discord.command('search', [
      { name: 'query', type: 3, value: 'dataset distillation synthetic images' },
      { name: 'count', type: 4, value: 8 },
    ]);
    const edit = await discord.waitFor(original(i.token));
    expect(edit.body.embeds[0].footer.text).toBe('Page 1 of 2 · 8 papers');
    expect(edit.body.embeds[0].description).toMatch(/^\*\*1\.\*\* .* — relevance \d+%/);
    const [prev, next] = edit.body.components[0].components;
    expect(prev.disabled).toBe(true);
    const msg = discord.botMessage('2', edit.body);
    const click = discord.interaction('button', { custom_id: next.custom_id }, i.user, msg);
    const update = await discord.waitFor(callback(click.id));
    expect(update.body.type).toBe(7); // UPDATE_MESSAGE
    expect(update.body.data.embeds[0].footer.text).toBe('Page 2 of 2 · 8 papers');
    expect(update.body.data.embeds[0].description).toMatch(/^\*\*6\.\*\*/);
    expect(update.body.data.components[0].components[1].disabled).toBe(true);
  });

  it('/paper show autocompletes titles by words in any order within 3 s, then shows the paper', async () => {
    const show = (title: Record<string, unknown>) => [{ name: 'show', type: 1, options: [{ name: 'title', type: 3, ...title }] }];
    const ac = discord.interaction('autocomplete', { name: 'paper', options: show({ value: 'learning matryoshka', focused: true }) });
    const choices = await discord.waitFor(callback(ac.id));
    expect(performance.now() - ac.at).toBeLessThan(3000);
    expect(choices.body.type).toBe(8);
    expect(choices.body.data.choices).toEqual([{ name: 'Matryoshka Representation Learning', value: 'matryoshka-representation-learning' }]);
    const all = discord.interaction('autocomplete', { name: 'paper', options: show({ value: '', focused: true }) });
    expect((await discord.waitFor(callback(all.id))).body.data.choices).toHaveLength(25);

    const i = discord.command('paper', show({ value: 'matryoshka-representation-learning' }));
    const reply = await discord.waitFor(callback(i.id));
    expect(reply.body.type).toBe(4);
    expect(reply.body.data.embeds[0].title).toBe('Matryoshka Representation Learning');
    expect(reply.body.data.embeds[0].url).toBe('https://github.com/RAIVNLab/MRL');
    expect(reply.body.data.components[0].components[0]).toMatchObject({ label: 'Similar papers', custom_id: 'similar:matryoshka-representation-learning' });
  });

  it('/similar lists the nearest papers, never the paper itself', async () => {
    const i = discord.command('similar', [{ name: 'paper', type: 3, value: 'scaling-up-dataset-distillation-to-imagenet-1k-with-constant-memory' }]);
    const edit = await discord.waitFor(original(i.token));
    const text = edit.body.embeds[0].description as string;
    expect(text.split('\n')).toHaveLength(5);
    expect(text).not.toMatch(/Constant Memory\]/);
    expect(text).toMatch(/Dataset Distillation|Diversity-Driven/);
  });

  it('/help is ephemeral and names every command, the Discuss threads and mentions', async () => {
    const i = discord.command('help', []);
    const reply = await discord.waitFor(callback(i.id));
    expect(reply.body.data.flags).toBe(EPHEMERAL);
    const text = reply.body.data.embeds[0].description as string;
    for (const c of commands.map((x) => x.data.name).filter((n) => n !== 'help')) expect(text).toContain(`**/${c}`);
    expect(text).toMatch(/\*\*Discuss\*\* on a paper card/);
    expect(text).toMatch(/mention me/);
  });

  it('a DM question is answered with typing and a cited embed; a follow-up resolves "the second one"', async () => {
    const user = discord.user(undefined, 'dana');
    const before = discord.calls.length;
    const dm = discord.directMessage('Which papers create small synthetic datasets that stand in for large ones?', user);
    await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${dm.channelId}/typing`, 15_000, before);
    const first = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${dm.channelId}/messages`, 15_000, before);
    const sources = first.body.embeds[0].fields[0].value.split('\n');
    expect(sources.length).toBeGreaterThanOrEqual(2);
    const secondTitle = sources[1].replace(/^\*\*\[2\]\*\* \[?/, '').split('](')[0];
    const mark = discord.calls.length;
    discord.directMessage('and the second one?', user);
    const second = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${dm.channelId}/messages`, 15_000, mark);
    expect(second.body.embeds[0].fields[0].value).toContain(secondTitle.slice(0, 40));
    expect(second.body.embeds[0].fields[0].value.split('\n')).toHaveLength(1);
  });

  it('"@everyone" in a question pings nobody, and messages from bots are ignored', async () => {
    const user = discord.user(undefined, 'eve');
    const mark = discord.calls.length;
    const dm = discord.directMessage('@everyone what is LAION-5B?', user);
    const reply = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${dm.channelId}/messages`, 15_000, mark);
    expect(reply.body.embeds[0].title).toContain('@everyone');
    expect(reply.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const botUser = discord.user(undefined, 'otherbot');
    const m2 = discord.calls.length;
    const botDm = discord.directMessage('what is LAION-5B?', botUser, true);
    // A barrier instead of a sleep: events are handled in order and the bot check comes first, so once
    // a later human DM is answered, the bot's message has been seen (and must have been ignored).
    const later = discord.directMessage('what is LAION-5B?', discord.user(undefined, 'after'));
    await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${later.channelId}/messages`, 15_000, m2);
    expect(discord.calls.slice(m2).some((c) => c.path.includes(botDm.channelId))).toBe(false);
    for (const c of discord.calls) if (c.body && typeof c.body === 'object' && 'allowed_mentions' in c.body) expect(c.body.allowed_mentions.parse).toEqual([]);
  });

  it('rate limit: the 7th question in a minute gets a friendly ephemeral "wait"', async () => {
    const user = discord.user(undefined, 'rita');
    for (let n = 0; n < 6; n++) {
      const i = ask('What is LAION-5B?', user);
      expect((await discord.waitFor(callback(i.id))).body.type).toBe(5);
    }
    const i = ask('What is LAION-5B?', user);
    const reply = await discord.waitFor(callback(i.id));
    expect(reply.body.type).toBe(4);
    expect(reply.body.data.flags).toBe(EPHEMERAL);
    expect(reply.body.data.content).toMatch(/please wait \d+ seconds?/);
  });

  it('/search and /similar count against the same rate limit as /ask', async () => {
    const user = discord.user(undefined, 'sam');
    for (let n = 0; n < 6; n++) {
      const i = discord.command('search', [{ name: 'query', type: 3, value: 'dataset distillation' }], user);
      expect((await discord.waitFor(callback(i.id))).body.type).toBe(5);
    }
    const more = [
      discord.command('search', [{ name: 'query', type: 3, value: 'dataset distillation' }], user),
      discord.command('similar', [{ name: 'paper', type: 3, value: 'matryoshka-representation-learning' }], user),
    ];
    for (const i of more) {
      const reply = await discord.waitFor(callback(i.id));
      expect(reply.body.data.flags).toBe(EPHEMERAL);
      expect(reply.body.data.content).toMatch(/please wait \d+ seconds?/);
    }
  });

  it('DMs count against the same rate limit as /ask: the question past it is told to wait, not answered', async () => {
    const user = discord.user(undefined, 'dana');
    const asked = Array.from({ length: 6 }, () => ask('What is LAION-5B?', user));
    for (const i of asked) expect((await discord.waitFor(original(i.token))).body.embeds).toHaveLength(1);
    const mark = discord.calls.length;
    const dm = discord.directMessage('What is LAION-5B?', user);
    const reply = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${dm.channelId}/messages`, 15_000, mark);
    expect(reply.body.content).toMatch(/please wait \d+ seconds?/);
    expect(reply.body.embeds ?? []).toEqual([]);
  });

  it('a command declared guild-only (/digest) used in a DM gets a one-line ephemeral reason, and does nothing', async () => {
    const mark = discord.calls.length;
    const i = discord.command('digest', [{ name: 'status', type: 1, value: undefined }]);
    const reply = await discord.waitFor(callback(i.id));
    expect(reply.body.data.flags).toBe(EPHEMERAL);
    expect(reply.body.data.content).toBe('This command works inside a server only.');
    // One reply, no deferral or edit of it afterwards.
    expect(discord.calls.slice(mark).filter((c) => c.path.includes(i.id) || c.path.includes(i.token))).toHaveLength(1);
  });

  it('an over-long, empty or control-character question gets an ephemeral explanation', async () => {
    for (const [q, msg] of [
      ['x'.repeat(1001), /1001 characters long; the limit is 1000/],
      ['   ', /question is empty/],
      ['what\u0007 is this', /control characters/],
    ] as const) {
      const i = ask(q);
      const reply = await discord.waitFor(callback(i.id));
      expect(reply.body.type).toBe(4);
      expect(reply.body.data.flags).toBe(EPHEMERAL);
      expect(reply.body.data.content).toMatch(msg);
    }
  });

  it('a question refused as invalid costs nothing: after seven of them, a real one is still answered', async () => {
    const user = discord.user(undefined, 'tom');
    for (let n = 0; n < 7; n++) expect((await discord.waitFor(callback(ask('   ', user).id))).body.data.content).toMatch(/question is empty/);
    const real = ask('What is LAION-5B?', user);
    expect((await discord.waitFor(callback(real.id))).body.type).toBe(5);
    expect((await discord.waitFor(original(real.token))).body.embeds[0].fields[0].value).toMatch(/LAION-5B/);
  });

  it('a handler that throws edits its "thinking…" reply into an explanation with a reference id; the bot keeps working', async () => {
    // Exactly the next answer fails (a one-shot, restored even if an expectation below fails): no other test sees it.
    const failing = vi.spyOn(app.chain, 'ask').mockRejectedValueOnce(new Error('boom'));
    try {
      const i = ask('What is LAION-5B?');
      expect((await discord.waitFor(callback(i.id))).body.type).toBe(5);
      const edit = await discord.waitFor(original(i.token));
      expect(edit.body.content).toMatch(/Something went wrong .*reference `[0-9a-f]{8}`/);
      expect(edit.body.embeds).toEqual([]);
      expect(failing).toHaveBeenCalledTimes(1);
    } finally {
      failing.mockRestore();
    }
    const i = ask('What is LAION-5B?');
    expect((await discord.waitFor(original(i.token))).body.embeds[0].fields[0].value).toMatch(/LAION-5B/);
  });
});
