import { Cron } from 'croner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import type { RunningBot } from '../src/bot/bot.js';
import { postNonce } from '../src/digest/digest.js';
import { startTestBot, type TestBot } from './helpers/bot.js';
import type { FakeDiscord, RestCall } from './helpers/fake-discord.js';
import { BACKENDS, makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

// The same suite on the embedded library and on PostgreSQL.
describe.each(BACKENDS.filter((b) => !skipBackend(b)))('on %s', (name) => {
  let backend: TestBackend | undefined;

  const EPHEMERAL = 64;
  const GUILD = '600000000000000001';
  const OK = '700000000000000001';
  const NO_SEND = '700000000000000002';
  const LOST = '700000000000000003';
  const RETRY = '700000000000000004';
  const WEEKLY = '700000000000000005';
  let t: TestBot;
  let discord: FakeDiscord;
  let app: App;
  let bot: RunningBot;

  beforeAll(async () => {
    backend = await makeBackend(name);
    t = await startTestBot({ DATABASE_URL: backend.url }, { timers: false });
    ({ discord, app, bot } = t);
    discord.guild(GUILD, [{ id: OK }, { id: NO_SEND, deny: 1n << 11n }, { id: LOST }, { id: RETRY }, { id: WEEKLY }]);
    await new Promise((r) => setTimeout(r, 300));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.drop();
  });

  const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);
  const resolved = (id: string) => ({ [id]: { id, type: 0, name: 'papers', permissions: '0', guild_id: GUILD } });
  const subscribe = (channel: string, extra: { name: string; type: number; value: unknown }[] = []) =>
    discord.guildCommand(
      GUILD,
      OK,
      'digest',
      [{ name: 'subscribe', type: 1, options: [{ name: 'channel', type: 7, value: channel }, ...extra] }],
      resolved(channel),
    );
  const nextSlot = (time: string, tz: string) =>
    new Cron(`${time.split(':')[1]} ${time.split(':')[0]} * * *`, { timezone: tz, paused: true }).nextRun(new Date())!;

  describe('/digest through the loopback Discord', () => {
    it('subscribe validates time, time zone and the bot’s permission in the channel', async () => {
      for (const [opts, msg] of [
        [[{ name: 'time', type: 3, value: '9am' }], /"9am" is not a time: use HH:MM/],
        [[{ name: 'timezone', type: 3, value: 'Mars/Olympus' }], /"Mars\/Olympus" is not a time zone/],
      ] as const) {
        const i = subscribe(OK, [...opts]);
        const r = await discord.waitFor(callback(i.id));
        expect(r.body.data.flags).toBe(EPHEMERAL);
        expect(r.body.data.content).toMatch(msg);
      }
      const denied = subscribe(NO_SEND);
      expect((await discord.waitFor(callback(denied.id))).body.data.content).toMatch(/can't post embeds in <#700000000000000002>/);
      expect(await app.digests.subscription(NO_SEND)).toBeUndefined();
    });

    it('time zones autocomplete', async () => {
      const id = String(Date.now());
      discord.dispatch('INTERACTION_CREATE', {
        id,
        application_id: discord.botId,
        type: 4,
        token: `t-${id}`,
        version: 1,
        guild_id: GUILD,
        channel_id: OK,
        channel: { id: OK, type: 0, guild_id: GUILD },
        member: { user: discord.user(), roles: [], permissions: '32', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
        data: {
          id: '1',
          type: 1,
          name: 'digest',
          options: [{ name: 'subscribe', type: 1, options: [{ name: 'timezone', type: 3, value: 'berl', focused: true }] }],
        },
        locale: 'en-US',
        app_permissions: '0',
        entitlements: [],
        authorizing_integration_owners: {},
        context: 0,
      });
      const r = await discord.waitFor(callback(id));
      expect(r.body.data.choices).toEqual([{ name: 'Europe/Berlin', value: 'Europe/Berlin' }]);
    });

    /** OK subscribed at 09:00 Berlin for 3 papers, and today's post sent (idempotent: a second call posts nothing). */
    const subscribedAndPosted = async () => {
      const i = subscribe(OK, [
        { name: 'time', type: 3, value: '09:00' },
        { name: 'timezone', type: 3, value: 'Europe/Berlin' },
        { name: 'count', type: 4, value: 3 },
      ]);
      await discord.waitFor(callback(i.id));
      await bot.scheduler.runDue(new Date(nextSlot('09:00', 'Europe/Berlin').getTime() + 30_000));
    };

    it('posts the day’s papers at the subscribed time: header + one embed per paper, no pings', async () => {
      const i = subscribe(OK, [
        { name: 'time', type: 3, value: '09:00' },
        { name: 'timezone', type: 3, value: 'Europe/Berlin' },
        { name: 'count', type: 4, value: 3 },
      ]);
      expect((await discord.waitFor(callback(i.id))).body.data.content).toMatch(
        /Subscribed <#700000000000000001>: 3 trending papers every day at 09:00 Europe\/Berlin/,
      );
      const slot = nextSlot('09:00', 'Europe/Berlin');
      const mark = discord.calls.length;
      const r = await bot.scheduler.runDue(new Date(slot.getTime() + 30_000));
      expect(r.posted).toHaveLength(1);
      const post = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${OK}/messages`, 5000, mark);
      expect(post.body.content).toMatch(/^Trending papers — \d{1,2} [A-Z][a-z]{2} \d{4}$/);
      const posts = discord.calls.slice(mark).filter((c) => c.method === 'POST' && c.path === `/channels/${OK}/messages`);
      expect(posts.map((p) => p.body.embeds.length)).toEqual([1, 1, 1]);
      expect(post.body.embeds[0].title).toMatch(/Plug & Play Generative Networks/);
      for (const p of posts) expect(p.body.allowed_mentions).toEqual({ parse: [] });
      // A second tick the same day posts nothing.
      await bot.scheduler.runDue(new Date(slot.getTime() + 90_000));
      expect(discord.calls.slice(mark).filter((c) => c.path === `/channels/${OK}/messages`)).toHaveLength(3);
    });

    it('a post claimed by a leader that died after sending is sent again under the same nonce: one message in the channel', async () => {
      const slot = nextSlot('06:30', 'UTC');
      const day = slot.toISOString().slice(0, 10);
      await app.digests.upsertSubscription(
        { channelId: RETRY, guildId: GUILD, time: '06:30', timezone: 'UTC', count: 2, source: 'seed' },
        new Date(slot.getTime() - 86_400_000),
      );
      const ids = (await app.store.all()).slice(20, 22).map((p) => p.id);
      // The dead leader claimed the post and its message reached Discord; it never marked it sent.
      await app.digests.claim(RETRY, day, 'claimed', new Date(slot.getTime() + 1000), ids);
      discord.byNonce.set(`${RETRY}:${postNonce(RETRY, day, 0)}`, { id: '1', channel_id: RETRY });
      const mark = discord.calls.length;
      const r = await bot.scheduler.runDue(new Date(slot.getTime() + 5 * 60_000));
      expect(r.posted).toEqual([`${RETRY}/${day}`]);
      const post = await discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${RETRY}/messages`, 5000, mark);
      expect(post.body).toMatchObject({ nonce: postNonce(RETRY, day, 0), enforce_nonce: true });
      const titles = new Map((await app.store.getMany(ids)).map((p) => [p.id, p.title]));
      const posts = discord.calls.slice(mark).filter((c) => c.method === 'POST' && c.path === `/channels/${RETRY}/messages`);
      expect(posts.map((p) => p.body.embeds[0].title)).toEqual(ids.map((id) => titles.get(id))); // what was claimed, in order
      // The first message had reached Discord: its nonce returned it; the second was posted once.
      expect([...discord.byNonce.keys()].filter((k) => k.startsWith(`${RETRY}:`))).toHaveLength(2);
      expect((await app.digests.post(RETRY, day))!.status).toBe('sent');
    });

    it('a channel where the bot lost permission is paused, and /digest status says why', async () => {
      await subscribedAndPosted();
      const i = subscribe(LOST, [
        { name: 'time', type: 3, value: '07:15' },
        { name: 'timezone', type: 3, value: 'UTC' },
      ]);
      await discord.waitFor(callback(i.id));
      discord.failingChannels.set(LOST, 50013);
      await bot.scheduler.runDue(new Date(nextSlot('07:15', 'UTC').getTime() + 10_000));
      expect((await app.digests.subscription(LOST))!.enabled).toBe(false);
      const status = discord.guildCommand(GUILD, OK, 'digest', [{ name: 'status', type: 1, options: [] }]);
      const r = await discord.waitFor(callback(status.id));
      expect(r.body.data.flags).toBe(EPHEMERAL);
      const text = r.body.data.embeds[0].description as string;
      expect(text).toMatch(/<#700000000000000003> .* \*\*paused\*\*: the bot lost permission to post there \(Discord error 50013\)/);
      expect(text).toMatch(/<#700000000000000001> — 3 papers at 09:00 Europe\/Berlin \(seed\) — active — last: \d{4}-\d{2}-\d{2} sent/);
    });

    it('a member without Manage Server is refused in one ephemeral line, whatever the server lets them see', async () => {
      const before = (await app.digests.subscriptions({})).length;
      const i = discord.guildCommand(
        GUILD,
        OK,
        'digest',
        [{ name: 'subscribe', type: 1, options: [{ name: 'channel', type: 7, value: OK }] }],
        resolved(OK),
        String(1n << 11n),
      );
      const r = await discord.waitFor(callback(i.id));
      expect(r.body.data.flags).toBe(EPHEMERAL);
      expect(r.body.data.content).toBe('You need the Manage Server permission in this server to use this command.');
      expect((await app.digests.subscriptions({})).length).toBe(before);
    });

    it('subscribe takes a weekly day and filters, says them back, and /digest status shows them; a bad category is one line', async () => {
      const bad = subscribe(WEEKLY, [{ name: 'categories', type: 3, value: 'vision papers' }]);
      expect((await discord.waitFor(callback(bad.id))).body.data.content).toMatch(/^"vision papers" is not an arXiv category: write them like cs.CV/);
      const i = subscribe(WEEKLY, [
        { name: 'time', type: 3, value: '08:30' },
        { name: 'frequency', type: 3, value: 'weekly' },
        { name: 'day', type: 4, value: 5 },
        { name: 'exclude', type: 3, value: 'survey, robot arm' },
        { name: 'categories', type: 3, value: 'cs.CV,cs.LG' },
      ]);
      expect((await discord.waitFor(callback(i.id))).body.data.content).toBe(
        'Subscribed <#700000000000000005>: 5 top papers of the week every Friday at 08:30 UTC, from the seed page, excluding survey, robot arm · only cs.CV, cs.LG.',
      );
      const sub = (await app.digests.subscription(WEEKLY))!;
      expect(sub).toMatchObject({ frequency: 'weekly', weekday: 5, filter: { exclude: ['survey', 'robot arm'], categories: ['cs.CV', 'cs.LG'] } });
      const status = discord.guildCommand(GUILD, OK, 'digest', [{ name: 'status', type: 1, options: [] }]);
      expect((await discord.waitFor(callback(status.id))).body.data.embeds[0].description).toMatch(
        /<#700000000000000005> — 5 papers weekly on Fridays at 08:30 UTC \(seed\) — excluding survey, robot arm · only cs.CV, cs.LG — active/,
      );
      // Its Friday slot posts the week's papers once, a message per paper; the next day nothing.
      const slot = new Cron('30 8 * * 5', { timezone: 'UTC', paused: true }).nextRun(new Date())!;
      const mark = discord.calls.length;
      expect((await bot.scheduler.runDue(new Date(slot.getTime() + 30_000))).posted).toContain(`${WEEKLY}/${slot.toISOString().slice(0, 10)}`);
      const posts = discord.calls.slice(mark).filter((c) => c.method === 'POST' && c.path === `/channels/${WEEKLY}/messages`);
      expect(posts[0]!.body.content).toMatch(/^Top papers of the week — \d{1,2} [A-Z][a-z]{2} – \d{1,2} [A-Z][a-z]{2} \d{4}$/);
      expect(posts).toHaveLength(5);
      for (const p of posts) expect(JSON.stringify(p.body.embeds).toLowerCase()).not.toMatch(/\bsurvey\b|robot arm/);
      expect((await bot.scheduler.runDue(new Date(slot.getTime() + 86_400_000))).posted.filter((p) => p.startsWith(WEEKLY))).toEqual([]);
    });

    it('preview shows the next post to you alone and posts nothing', async () => {
      await subscribedAndPosted();
      const before = discord.calls.filter((c) => c.path.startsWith('/channels/')).length;
      const i = discord.guildCommand(GUILD, OK, 'digest', [{ name: 'preview', type: 1, options: [{ name: 'channel', type: 7, value: OK }] }], resolved(OK));
      expect((await discord.waitFor(callback(i.id))).body.data.flags).toBe(EPHEMERAL);
      const edit = await discord.waitFor((c) => c.method === 'PATCH' && c.path.includes(`/${i.token}/messages/`));
      expect(edit.body.content).toMatch(/^Preview \(nothing was posted\):\nTrending papers/);
      // It starts at the first seed paper the channel has not seen (it saw papers 1–3 at least).
      const seen = await app.digests.seen(OK);
      const next = (await app.store.all()).filter((p) => p.source === 'seed' && !seen.has(p.id)).sort((a, b) => a.sourceOrder! - b.sourceOrder!)[0]!;
      expect(seen.size).toBeGreaterThanOrEqual(3);
      expect(edit.body.embeds[0].title).toBe(next.title);
      expect(discord.calls.filter((c) => c.path.startsWith('/channels/')).length).toBe(before);
    });

    it('unsubscribe stops the posts', async () => {
      await subscribedAndPosted();
      const i = discord.guildCommand(GUILD, OK, 'digest', [{ name: 'unsubscribe', type: 1, options: [{ name: 'channel', type: 7, value: OK }] }], resolved(OK));
      expect((await discord.waitFor(callback(i.id))).body.data.content).toMatch(/will get no more daily posts/);
      expect(await app.digests.subscription(OK)).toBeUndefined();
    });
  });
});
