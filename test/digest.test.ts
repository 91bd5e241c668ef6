import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REACTION_WEIGHT, claimedDigest, digestHeader, selectTrending, summarise, weekHeader, type Digest } from '../src/digest/digest.js';
import type { Paper } from '../src/paper/paper.js';
import { digestMessages } from '../src/digest/discord.js';
import { ChannelGone, DigestScheduler, lastSlot, localDay } from '../src/digest/scheduler.js';
import { DigestStore, type Subscription } from '../src/digest/store.js';
import { PaperStore } from '../src/library/store.js';
import { readSeedFile } from '../src/sources/seed.js';
import { BACKENDS, makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

let backend: TestBackend | undefined;
let papers: PaperStore;
let digests: DigestStore;

/** A scheduler over the shared database whose "Discord" records posts; a fresh one is a restart. */
function scheduler(sent: { channel: string; digest: Digest; day?: string }[], logs: string[] = [], failWith?: Error) {
  return new DigestScheduler({
    digests,
    prepare: async (sub, day) =>
      selectTrending(papers, digests, { source: sub.source, day, channelId: sub.channelId, count: sub.count, frequency: sub.frequency, filter: sub.filter }),
    rebuild: async (sub, day, ids) => claimedDigest(papers, day, ids, sub.frequency),
    send: async (sub, digest, day) => {
      if (failWith) throw failWith;
      sent.push({ channel: sub.channelId, digest, day });
    },
    log: {
      info: (o: unknown) => logs.push(JSON.stringify(o)),
      warn: (o: unknown, m?: string) => logs.push(`${m} ${JSON.stringify(o)}`),
      error: (o: unknown) => logs.push(JSON.stringify(o)),
    } as never,
  });
}

const subscribe = (s: Partial<Subscription> & { channelId: string }, at: string) =>
  digests.upsertSubscription({ guildId: 'g', time: '09:00', timezone: 'Europe/Berlin', count: 3, source: 'seed', ...s }, new Date(at));

describe.each(BACKENDS)('on %s', (name) => {
  beforeEach(async (t) => {
    if (skipBackend(name)) return t.skip();
    backend = await makeBackend(name);
    papers = new PaperStore(await backend.open());
    await papers.upsert(readSeedFile('seeds/daily-papers.txt'));
    digests = new DigestStore(papers.db);
  });
  afterEach(async () => {
    await papers?.close();
    await backend?.drop();
    backend = undefined;
  });

  describe('daily post scheduling (injected clock)', () => {
    it('posts at the local time across a DST change (Europe/Berlin, 29 Mar 2026)', async () => {
      const sent: { channel: string; digest: Digest }[] = [];
      await subscribe({ channelId: 'c1' }, '2026-03-27T00:00:00Z');
      const s = scheduler(sent);
      expect((await s.runDue(new Date('2026-03-28T07:59:00Z'))).posted).toEqual([]); // 08:59 CET
      expect((await s.runDue(new Date('2026-03-28T08:00:30Z'))).posted).toEqual(['c1/2026-03-28']); // 09:00 CET = 08:00Z
      expect((await s.runDue(new Date('2026-03-29T06:59:00Z'))).posted).toEqual([]); // 08:59 CEST
      expect((await s.runDue(new Date('2026-03-29T07:00:10Z'))).posted).toEqual(['c1/2026-03-29']); // 09:00 CEST = 07:00Z
      expect(sent).toHaveLength(2);
      expect(lastSlot({ time: '09:00', timezone: 'America/New_York' }, new Date('2026-11-02T14:30:00Z'))!.toISOString()).toBe('2026-11-02T14:00:00.000Z');
    });

    it('posts exactly once per day, across restarts and repeated ticks', async () => {
      const sent: { channel: string; digest: Digest }[] = [];
      await subscribe({ channelId: 'c1' }, '2026-11-25T00:00:00Z');
      await scheduler(sent).runDue(new Date('2026-11-26T08:00:05Z'));
      await scheduler(sent).runDue(new Date('2026-11-26T08:01:00Z')); // "restarted"
      await scheduler(sent).runDue(new Date('2026-11-26T20:00:00Z'));
      expect(sent).toHaveLength(1);
      expect((await digests.post('c1', '2026-11-26'))!.status).toBe('sent');
    });

    it('two processes on one database at the same slot: one post per (channel, day)', async () => {
      const sent: { channel: string; digest: Digest }[] = [];
      for (const c of ['c1', 'c2', 'c3']) await subscribe({ channelId: c }, '2026-11-25T00:00:00Z');
      // PostgreSQL: a second connection, as another process would have. SQLite serves one process: its one connection.
      const otherDb = name === 'postgres' ? await backend!.open() : papers.db;
      const other = new DigestScheduler({
        digests: new DigestStore(otherDb),
        prepare: async (sub, day) =>
          selectTrending(new PaperStore(otherDb), new DigestStore(otherDb), { source: sub.source, day, channelId: sub.channelId, count: sub.count }),
        send: async (sub, digest) => void sent.push({ channel: sub.channelId, digest }),
        log: { info() {}, warn() {}, error() {} } as never,
      });
      const at = new Date('2026-11-26T08:00:05Z');
      await Promise.all([scheduler(sent).runDue(at), other.runDue(at), scheduler(sent).runDue(at)]);
      await otherDb.close();
      expect(sent.map((s) => s.channel).sort()).toEqual(['c1', 'c2', 'c3']);
    });

    it('a post claimed by a process that died before sending is sent by the next run, once, with what was claimed', async () => {
      const sent: { channel: string; digest: Digest; day?: string }[] = [];
      await subscribe({ channelId: 'c1' }, '2026-11-25T00:00:00Z');
      const claimed = readSeedFile('seeds/daily-papers.txt')
        .slice(3, 5)
        .map((p) => p.id);
      await digests.claim('c1', '2026-11-26', 'claimed', new Date('2026-11-26T08:00:01Z'), claimed); // then killed
      // Within a minute the claim may still be sending: left alone.
      expect((await scheduler(sent).runDue(new Date('2026-11-26T08:00:40Z'))).posted).toEqual([]);
      // Two processes find it stale at once: one takes it over.
      const at = new Date('2026-11-26T08:05:00Z');
      await Promise.all([scheduler(sent).runDue(at), scheduler(sent).runDue(at)]);
      expect(sent.map((s) => s.digest.papers.map((p) => p.id))).toEqual([claimed]);
      expect(sent[0]!.day).toBe('2026-11-26');
      expect((await digests.post('c1', '2026-11-26'))!.status).toBe('sent');
      await scheduler(sent).runDue(new Date('2026-11-26T09:00:00Z'));
      expect(sent).toHaveLength(1);
    });

    it('never posts before the slot, even a fraction of a second', async () => {
      const sent: { channel: string; digest: Digest }[] = [];
      await subscribe({ channelId: 'c1' }, '2026-11-25T00:00:00Z');
      expect((await scheduler(sent).runDue(new Date('2026-11-26T07:59:59.800Z'))).posted).toEqual([]);
      expect(lastSlot({ time: '09:00', timezone: 'Europe/Paris' }, new Date('2026-11-26T07:59:59.800Z'))!.toISOString()).toBe('2026-11-25T08:00:00.000Z');
      expect((await scheduler(sent).runDue(new Date('2026-11-26T08:00:00.000Z'))).posted).toEqual(['c1/2026-11-26']);
    });

    it('catches up a post missed while down if less than 6 hours late, otherwise skips and logs it', async () => {
      const sent: { channel: string; digest: Digest }[] = [];
      const logs: string[] = [];
      await subscribe({ channelId: 'late' }, '2026-11-25T00:00:00Z');
      await scheduler(sent, logs).runDue(new Date('2026-11-26T13:59:00Z')); // slot 08:00Z, 5 h 59 late
      expect(sent.map((s) => s.channel)).toEqual(['late']);
      await subscribe({ channelId: 'too-late' }, '2026-11-25T00:00:00Z');
      const r = await scheduler(sent, logs).runDue(new Date('2026-11-26T14:01:00Z'));
      expect(r.skipped).toEqual(['too-late/2026-11-26']);
      expect(sent).toHaveLength(1);
      expect((await digests.post('too-late', '2026-11-26'))!.status).toBe('skipped');
      expect(logs.some((l) => /missed by more than 6 hours/.test(l))).toBe(true);
      // ...and the next day is posted normally.
      await scheduler(sent, logs).runDue(new Date('2026-11-27T08:00:00Z'));
      expect(sent.map((s) => s.channel).sort()).toEqual(['late', 'late', 'too-late']);
    });

    it('subscribing after today’s time starts tomorrow', async () => {
      const sent: { channel: string; digest: Digest }[] = [];
      await subscribe({ channelId: 'c1' }, '2026-11-26T10:00:00Z');
      await scheduler(sent).runDue(new Date('2026-11-26T10:00:30Z'));
      expect(sent).toHaveLength(0);
    });

    it('a channel that is gone disables its subscription with the reason', async () => {
      await subscribe({ channelId: 'gone' }, '2026-11-25T00:00:00Z');
      await scheduler([], [], new ChannelGone('the channel no longer exists (Discord error 10003)')).runDue(new Date('2026-11-26T08:00:00Z'));
      const s = (await digests.subscription('gone'))!;
      expect(s.enabled).toBe(false);
      expect(s.disabledReason).toMatch(/no longer exists/);
      expect(await digests.subscriptions({ enabledOnly: true })).toEqual([]);
    });
  });

  describe('weekly posts', () => {
    it('one post a week, on its weekday at its time, claimed per (channel, week), with the week’s header', async () => {
      const sent: { channel: string; digest: Digest; day?: string }[] = [];
      // Subscribed on Wednesday 25 Nov 2026 for Mondays 09:00 Berlin: the first post is Monday 30 Nov.
      await subscribe({ channelId: 'w1', frequency: 'weekly', weekday: 1 }, '2026-11-25T12:00:00Z');
      const s = scheduler(sent);
      expect((await s.runDue(new Date('2026-11-27T08:00:30Z'))).posted).toEqual([]); // a Friday
      expect((await s.runDue(new Date('2026-11-30T07:59:00Z'))).posted).toEqual([]); // Monday 08:59
      expect((await s.runDue(new Date('2026-11-30T08:00:30Z'))).posted).toEqual(['w1/2026-11-30']);
      expect((await s.runDue(new Date('2026-12-01T08:00:30Z'))).posted).toEqual([]); // Tuesday: nothing more this week
      expect((await scheduler(sent).runDue(new Date('2026-12-07T08:00:10Z'))).posted).toEqual(['w1/2026-12-07']);
      expect(sent.map((x) => x.digest.header)).toEqual(['Top papers of the week — 24 Nov – 30 Nov 2026', 'Top papers of the week — 1 Dec – 7 Dec 2026']);
      expect(weekHeader('2026-12-31')).toBe('Top papers of the week — 25 Dec – 31 Dec 2026');
      const sub = (await digests.subscription('w1'))!;
      expect([sub.frequency, sub.weekday]).toEqual(['weekly', 1]);
      expect(lastSlot(sub, new Date('2026-12-03T12:00:00Z'))!.toISOString()).toBe('2026-11-30T08:00:00.000Z');
    });

    it('from Hugging Face: the seven days’ papers by upvotes plus the channel’s own 👍 − 👎 on its posts', async () => {
      const hf = (id: string, day: string, upvotes: number): Paper => ({
        id,
        title: `Paper ${id}`,
        abstract: `About ${id}.`,
        url: `https://huggingface.co/papers/${id}`,
        links: [],
        source: 'hf',
        upvotes,
        publishedAt: `${day}T10:00:00.000Z`,
      });
      await papers.upsert([
        hf('2611.00001', '2026-11-24', 50),
        hf('2611.00002', '2026-11-27', 40),
        hf('2611.00003', '2026-11-30', 12),
        hf('2611.00004', '2026-11-23', 500), // the week before
      ]);
      // The channel's daily posts: 👍 ×3 on paper 3, 👎 on paper 1.
      await digests.recordMessages('w2', '2026-11-30', [
        { messageId: 'm3', paperId: '2611.00003' },
        { messageId: 'm1', paperId: '2611.00001' },
      ]);
      for (let i = 0; i < 3; i++) await digests.react('m3', 'up', 1);
      await digests.react('m1', 'down', 1);
      expect(await digests.react('not-a-post', 'up', 1)).toBe(false);
      const d = await selectTrending(papers, digests, { source: 'hf', day: '2026-11-30', channelId: 'w2', count: 5, frequency: 'weekly' });
      // 12 + 3 × REACTION_WEIGHT = 42 > 40; 50 − 10 = 40 ties with 40 (id order); last week's 500 is out.
      expect(REACTION_WEIGHT).toBe(10);
      expect(d.papers.map((p) => p.id)).toEqual(['2611.00003', '2611.00001', '2611.00002']);
      // Without the channel's reactions (another channel) it is upvotes alone.
      const other = await selectTrending(papers, digests, { source: 'hf', day: '2026-11-30', channelId: 'w3', count: 5, frequency: 'weekly' });
      expect(other.papers.map((p) => p.id)).toEqual(['2611.00001', '2611.00002', '2611.00003']);
      // Taking a reaction back never goes below zero; a moderator's clear starts again.
      for (let i = 0; i < 5; i++) await digests.react('m1', 'down', -1);
      await digests.clearReactions('m3');
      expect(await digests.reactions('w2', '2026-11-01')).toEqual([]);
    });

    it('a channel’s filter leaves out papers that mention an excluded phrase, daily and weekly', async () => {
      const all = await selectTrending(papers, digests, { source: 'seed', day: '2026-11-26', count: 3 });
      const word = all.papers[0]!.title.split(/\s+/)
        .find((w) => w.length > 6)!
        .replace(/[^A-Za-z-]/g, '');
      const filtered = await selectTrending(papers, digests, {
        source: 'seed',
        day: '2026-11-26',
        count: 3,
        filter: { exclude: [word.toUpperCase()], categories: ['cs.CV'] },
      });
      expect(filtered.papers.map((p) => p.id)).not.toContain(all.papers[0]!.id);
      expect(filtered.papers).toHaveLength(3); // seed papers have no known categories: the category filter keeps them
      for (const p of filtered.papers) expect(`${p.title} ${p.summary}`.toLowerCase()).not.toContain(word.toLowerCase());
      await subscribe({ channelId: 'f1', filter: { exclude: ['diffusion', 'robot arm'], categories: ['cs.CV', 'cs.LG'] } }, '2026-11-25T00:00:00Z');
      expect((await digests.subscription('f1'))!.filter).toEqual({ exclude: ['diffusion', 'robot arm'], categories: ['cs.CV', 'cs.LG'] });
    });
  });

  describe('what is posted', () => {
    it('seed source: the next papers not yet posted to the channel, in page order', async () => {
      const sent: { channel: string; digest: Digest }[] = [];
      await subscribe({ channelId: 'c1', timezone: 'UTC', count: 5 }, '2026-11-25T00:00:00Z');
      await subscribe({ channelId: 'c2', timezone: 'UTC', count: 2 }, '2026-11-25T00:00:00Z');
      const s = scheduler(sent);
      await s.runDue(new Date('2026-11-26T09:00:00Z'));
      await s.runDue(new Date('2026-11-27T09:00:00Z'));
      const seed = readSeedFile('seeds/daily-papers.txt').map((p) => p.id);
      const c1 = sent.filter((x) => x.channel === 'c1').map((x) => x.digest.papers.map((p) => p.id));
      expect(c1).toEqual([seed.slice(0, 5), seed.slice(5, 10)]);
      expect(sent.find((x) => x.channel === 'c2')!.digest.papers.map((p) => p.id)).toEqual(seed.slice(0, 2));
    });

    it('header, summaries, links and message shape', async () => {
      expect(digestHeader('2026-11-26')).toBe('Trending papers — 26 Nov 2026');
      expect(summarise({ abstract: 'One. Two sentences here. Three.', aiSummary: 'AI says so.' })).toBe('AI says so.');
      expect(summarise({ abstract: 'First sentence is here. Second one too. Third.' })).toBe('First sentence is here. Second one too.');
      const d = await selectTrending(papers, digests, { source: 'seed', day: '2026-11-26', count: 10 });
      const msgs = digestMessages(d);
      // A message per paper (a reaction or a thread belongs to one paper), the header on the first.
      expect(msgs).toHaveLength(10);
      expect(msgs[0]!.content).toBe('Trending papers — 26 Nov 2026');
      expect(msgs.slice(1).every((m) => m.content === undefined)).toBe(true);
      expect(msgs.map((m) => m.embeds.length)).toEqual(Array(10).fill(1));
      expect(msgs.map((m) => m.paperId)).toEqual(d.papers.map((p) => p.id));
      // Each paper's Save (to the reading list) and Discuss (a thread about it) buttons.
      for (const [i, m] of msgs.entries()) {
        const buttons = m.components!.flatMap((r) => r.components) as { label: string; custom_id: string }[];
        expect(buttons.map((b) => [b.label, b.custom_id])).toEqual([
          ['Save', `save:${d.papers[i]!.id}`],
          ['Discuss', `discuss:${d.papers[i]!.id}`],
        ]);
      }
      expect(digestMessages({ header: 'H', papers: [] })).toEqual([{ content: 'H', embeds: [] }]);
      expect(d.papers.find((p) => p.id.startsWith('select-'))!.code).toBe('https://github.com/jimmyxu123/SELECT');
      for (const p of d.papers) expect(p.url).toMatch(/^https:\/\//);
      // A paper with a picture (Hugging Face thumbnail) shows it; upvotes and code are fields.
      const all = await papers.all();
      const pictured = await selectTrending(
        {
          hfDay: async () => [],
          all: async () => all.map((p, i) => (i === 0 ? { ...p, thumbnail: 'https://cdn-thumbnails.huggingface.co/x.png', upvotes: 42 } : p)),
        } as unknown as PaperStore,
        digests,
        { source: 'seed', day: '2026-11-26', count: 2 },
      );
      const [first, second] = digestMessages(pictured).map((m) => m.embeds[0]);
      expect(first!.thumbnail).toEqual({ url: 'https://cdn-thumbnails.huggingface.co/x.png' });
      expect(first!.fields).toContainEqual({ name: 'Upvotes', value: '42', inline: true });
      expect(second!.thumbnail).toBeUndefined();
      expect(localDay(new Date('2026-11-26T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-27');
    });
  });
});
