import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { ingestFrom } from '../src/jobs/update.js';
import type { RunningBot } from '../src/bot/bot.js';
import { startTestBot, type TestBot } from './helpers/bot.js';
import type { FakeDiscord, RestCall } from './helpers/fake-discord.js';
import { fixture, startFakeSources, type FakeSources } from './helpers/fake-sources.js';
import { prepareDigest } from '../src/jobs/digest.js';
import { BACKENDS, makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';

// The same suite on the embedded library and on PostgreSQL.
describe.each(BACKENDS.filter((b) => !skipBackend(b)))('on %s', (name) => {
  let backend: TestBackend | undefined;

  const EPHEMERAL = 64;
  let t: TestBot;
  let discord: FakeDiscord;
  let sources: FakeSources;
  let app: App;
  let bot: RunningBot;

  beforeAll(async () => {
    sources = await startFakeSources();
    backend = await makeBackend(name);
    t = await startTestBot({ HF_API_BASE: sources.base, ARXIV_API_BASE: sources.base, DATABASE_URL: backend.url }, { timers: false });
    ({ discord, app, bot } = t);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.drop();
    await sources?.close();
  });

  const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);
  const item = (id: string, title: string, summary: string, upvotes = 5, day = '2026-11-26') => ({
    paper: { id, title, summary, upvotes, submittedOnDailyAt: `${day}T06:00:00.000Z` },
    numComments: 0,
  });

  describe('a channel’s arXiv categories filter on Hugging Face papers', () => {
    it('looks up the day’s papers’ categories on arXiv (HF gives none), keeps them across ingests, and leaves out papers in none of them', async () => {
      const day = '2026-11-30';
      const text = 'We study long-horizon robot planning with retrieved demonstrations and report success rates on benchmarks.';
      sources.days.set(day, [
        JSON.stringify([
          item('2510.14968', 'RDD: Retrieval-Based Demonstration Decomposer', text, 30, day),
          item('2510.14827', 'A Robotics-Only Paper', text, 20, day),
          item('2511.99999', 'A Paper arXiv Does Not Return', text, 10, day),
        ]),
      ]);
      sources.arxiv = [fixture('xiv_arxiv_response.xml')]; // 2510.14968: cs.RO, cs.AI, cs.CV, …; 2510.14827: cs.RO only
      const mark = sources.requests.length;
      const filter = { exclude: [], categories: ['cs.CV', 'cs.LG'] };
      const d = await prepareDigest(app, { source: 'hf', count: 5, filter }, day);
      expect(d.papers.map((p) => p.id)).toEqual(['2510.14968', '2511.99999']); // unknown categories: kept
      const asked = sources.requests.slice(mark).filter((r) => r.url.startsWith('/api/query'));
      expect(asked).toHaveLength(1);
      expect(decodeURIComponent(asked[0]!.url)).toContain('id_list=2510.14968,2510.14827,2511.99999');
      // Ingesting the day again (Hugging Face, no categories) keeps them: no second lookup for those two.
      await prepareDigest(app, { source: 'hf', count: 5, filter }, day);
      expect((await app.store.get('2510.14827'))?.categories).toEqual(['cs.RO']);
      const again = sources.requests.slice(mark).filter((r) => r.url.startsWith('/api/query'));
      expect(decodeURIComponent(again.at(-1)!.url)).toContain('id_list=2511.99999&');
      // arXiv down: the post still goes out, those papers kept.
      sources.arxiv = [503];
      expect((await prepareDigest(app, { source: 'hf', count: 5, filter }, day)).papers.map((p) => p.id)).toContain('2511.99999');
    }, 120_000);
  });

  describe('topic subscriptions', () => {
    const dana = { id: '310000000000000001', username: 'dana', discriminator: '0', global_name: 'dana', avatar: null };
    const bob = { id: '320000000000000002', username: 'bob', discriminator: '0', global_name: 'bob', avatar: null };

    it('subscribe, list, and a daily DM bundling the new papers that match; nothing for unrelated papers', async () => {
      for (const [user, topic] of [
        [dana, 'dataset distillation with synthetic images'],
        [dana, 'robot grasping'],
        [bob, 'dataset distillation'],
      ] as const) {
        const i = discord.command('subscribe', [{ name: 'topic', type: 3, value: topic }], user);
        const r = await discord.waitFor(callback(i.id));
        expect(r.body.data.flags).toBe(EPHEMERAL);
        expect(r.body.data.content).toMatch(/^Following “/);
      }
      const dup = discord.command('subscribe', [{ name: 'topic', type: 3, value: 'robot grasping' }], dana);
      expect((await discord.waitFor(callback(dup.id))).body.data.content).toMatch(/already follow/);

      sources.days.set('2026-11-26', [
        JSON.stringify([
          item(
            '2611.00001',
            'Dataset Distillation with Synthetic Images at Scale',
            'Dataset distillation compresses a large training set into a few synthetic images. We distil ImageNet into synthetic images with a new matching objective and show that models trained on the distilled synthetic set reach strong accuracy at a fraction of the cost of training on the full dataset.',
          ),
          item(
            '2611.00002',
            'Sourdough Fermentation Kinetics',
            'We study how wild yeast and lactic acid bacteria interact during sourdough fermentation and measure the rise of bread dough under different temperatures, hydration levels and flour types, giving bakers a simple predictive model of proofing time for crusty loaves.',
          ),
        ]),
      ]);
      const summary = await ingestFrom(app, { source: 'hf', date: '2026-11-26' });
      expect(summary).toMatch(/2 topic alerts queued/);

      const mark = discord.calls.length;
      expect(await bot.notifier.flush(new Date('2026-11-26T07:00:00Z'))).toBe(2);
      const dms = discord.calls.slice(mark).filter((c) => c.method === 'POST' && /^\/channels\/8\d+\/messages$/.test(c.path));
      expect(dms).toHaveLength(2);
      const toDana = dms.find((c) => c.path === `/channels/${discord.dmChannelOf(dana.id)}/messages`)!;
      expect(toDana.body.embeds[0].title).toBe('1 new paper on your topics');
      expect(toDana.body.embeds[0].description).toMatch(/Dataset Distillation with Synthetic Images at Scale/);
      expect(toDana.body.embeds[0].description).not.toMatch(/Sourdough/);
      expect(toDana.body.allowed_mentions).toEqual({ parse: [] });

      // At most one DM a day: a new match the same day waits for tomorrow.
      sources.days.set('2026-11-27', [
        JSON.stringify([
          item(
            '2611.00003',
            'Efficient Dataset Distillation via Synthetic Image Matching',
            'Dataset distillation creates a small synthetic image set that replaces a large dataset for training; we propose an efficient matching method for distilling synthetic images that scales dataset distillation to large datasets with less memory.',
          ),
        ]),
      ]);
      await ingestFrom(app, { source: 'hf', date: '2026-11-27' });
      const m2 = discord.calls.length;
      expect(await bot.notifier.flush(new Date('2026-11-26T20:00:00Z'))).toBe(0);
      expect(await bot.notifier.flush(new Date('2026-11-27T07:00:00Z'))).toBe(2);
      expect(discord.calls.slice(m2).filter((c) => /\/messages$/.test(c.path))).toHaveLength(2);
    }, 120_000);

    it('exclude: leaves out new papers that mention an excluded word; /subscriptions shows it; a bad list is one line', async () => {
      const fran = { id: '350000000000000005', username: 'fran', discriminator: '0', global_name: 'fran', avatar: null };
      const bad = discord.command(
        'subscribe',
        [
          { name: 'topic', type: 3, value: 'dataset distillation' },
          { name: 'exclude', type: 3, value: '%%%' },
        ],
        fran,
      );
      expect((await discord.waitFor(callback(bad.id))).body.data.content).toBe('"%%%" has no letters or digits to look for.');
      const i = discord.command(
        'subscribe',
        [
          { name: 'topic', type: 3, value: 'dataset distillation' },
          { name: 'exclude', type: 3, value: 'ImageNet, video' },
        ],
        fran,
      );
      expect((await discord.waitFor(callback(i.id))).body.data.content).toMatch(/^Following “dataset distillation” \(excluding imagenet, video\)\./);
      const list = discord.command('subscriptions', [], fran);
      expect((await discord.waitFor(callback(list.id))).body.data.embeds[0].description).toBe('1. dataset distillation — excluding imagenet, video');
      sources.days.set('2026-11-29', [
        JSON.stringify([
          item(
            '2611.00011',
            'Dataset Distillation of ImageNet with Trajectory Matching',
            'Dataset distillation compresses ImageNet into a few synthetic images per class by matching training trajectories, so models trained on the distilled dataset approach full-data accuracy.',
          ),
          item(
            '2611.00012',
            'Dataset Distillation for Tabular Data',
            'Dataset distillation compresses a large tabular training set into a few synthetic rows; models trained on the distilled dataset keep most of their accuracy at a fraction of the cost.',
          ),
        ]),
      ]);
      await ingestFrom(app, { source: 'hf', date: '2026-11-29' });
      const mark = discord.calls.length;
      await bot.notifier.flush(new Date('2026-11-29T07:00:00Z'));
      const dm = discord.calls.slice(mark).find((c) => c.method === 'POST' && c.path === `/channels/${discord.dmChannelOf(fran.id)}/messages`)!;
      expect(dm.body.embeds[0].description).toMatch(/Dataset Distillation for Tabular Data/);
      expect(dm.body.embeds[0].description).not.toMatch(/ImageNet/);
    }, 120_000);

    it('/subscriptions lists topics and removes one with its button', async () => {
      const erin = { id: '340000000000000004', username: 'erin', discriminator: '0', global_name: 'erin', avatar: null };
      for (const topic of ['dataset distillation with synthetic images', 'robot grasping']) {
        await discord.waitFor(callback(discord.command('subscribe', [{ name: 'topic', type: 3, value: topic }], erin).id));
      }
      const i = discord.command('subscriptions', [], erin);
      const r = await discord.waitFor(callback(i.id));
      expect(r.body.data.embeds[0].description).toBe('1. dataset distillation with synthetic images\n2. robot grasping');
      const removeSecond = r.body.data.components[0].components[1].custom_id;
      const msg = discord.botMessage('5', { embeds: r.body.data.embeds, components: r.body.data.components });
      const click = discord.interaction('button', { custom_id: removeSecond }, erin, msg);
      const upd = await discord.waitFor(callback(click.id));
      expect(upd.body.type).toBe(7);
      expect(upd.body.data.embeds[0].description).toBe('1. dataset distillation with synthetic images');
    });

    it('a user who blocks DMs is paused once, without errors piling up', async () => {
      const carol = { id: '330000000000000003', username: 'carol', discriminator: '0', global_name: 'carol', avatar: null };
      const i = discord.command('subscribe', [{ name: 'topic', type: 3, value: 'dataset distillation' }], carol);
      await discord.waitFor(callback(i.id));
      discord.failingChannels.set(discord.dmChannelOf(carol.id), 50007);
      sources.days.set('2026-11-28', [
        JSON.stringify([
          item(
            '2611.00004',
            'Dataset Distillation for Synthetic Image Pretraining',
            'We apply dataset distillation to build a compact synthetic image set for pretraining, and show dataset distillation with synthetic images transfers to downstream tasks while cutting pretraining cost substantially across several large benchmarks and model sizes.',
          ),
        ]),
      ]);
      await ingestFrom(app, { source: 'hf', date: '2026-11-28' });
      await bot.notifier.flush(new Date('2026-11-28T07:00:00Z'));
      expect(await app.topics.dmsClosed(carol.id)).toBe(true);
      const mark = discord.calls.length;
      await bot.notifier.flush(new Date('2026-11-29T07:00:00Z'));
      expect(discord.calls.slice(mark).some((c) => c.path.includes(discord.dmChannelOf(carol.id)))).toBe(false);
      const list = discord.command('subscriptions', [], carol);
      expect((await discord.waitFor(callback(list.id))).body.data.embeds[0].description).toMatch(/\*\*Paused\*\*/);
    }, 60_000);
  });
});
