import { describe, expect, it } from 'vitest';
import type { Answer } from '../src/answer/types.js';
import { LIMITS, fit } from '../src/discord/limits.js';
import { checkQuestion } from '../src/question.js';
import { clip } from '../src/util.js';
import { embedLength } from 'discord.js';
import { answerEmbed, evidenceEmbed, paperView, searchPage, titleLink } from '../src/discord/render.js';
import { RateLimiter, retryMessage } from '../src/discord/rate-limit.js';
import type { PaperHit } from '../src/retrieval/hybrid-retriever.js';

const sentence = (i: number) => `Sentence number ${i} talks about https://example.org/page-${i} and more words here.`;
const long = Array.from({ length: 200 }, (_, i) => sentence(i)).join(' ');

describe('Discord limits', () => {
  it('fit trims at a sentence boundary, never mid-word or mid-URL', () => {
    const out = fit(long, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).toMatch(/here\.$/);
    const words = fit('alpha beta gamma delta epsilon https://example.org/a-very-long-url-that-goes-on', 60);
    expect(words.length).toBeLessThanOrEqual(60);
    expect(words).toBe('alpha beta gamma delta epsilon…');
    expect(fit('short', 10)).toBe('short');
  });

  it('fit and clip cut between graphemes: never half an emoji (a lone surrogate Discord rejects)', () => {
    const party = '🎉'.repeat(450);
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    for (const max of [255, 256, 100, 7]) {
      expect(fit(party, max).length).toBeLessThanOrEqual(max);
      expect(fit(party, max)).not.toMatch(lone);
      expect(clip(party, max)).not.toMatch(lone);
    }
    const family = `${'👩‍👩‍👧 '.repeat(40)}end`;
    expect([...new Intl.Segmenter().segment(fit(family, 50).replace(/…$/, ''))].every((g) => g.segment === '👩‍👩‍👧' || g.segment === ' ')).toBe(true);
  });

  it('a question is measured in code points, as Discord counts: 990 characters with emoji fit', () => {
    const q = `${'🎉'.repeat(211)}${'a'.repeat(779)}`;
    expect(q.length).toBe(1201);
    expect(checkQuestion(q).ok).toBe(true);
    const over = checkQuestion('🎉'.repeat(1001));
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.message).toMatch(/1001 characters/);
  });

  it('fit never leaves half a markdown link', () => {
    const text = `${'word '.repeat(30)}[A title](https://example.org/x) tail`;
    const out = fit(text, 160);
    expect(out).not.toMatch(/\[[^\]]*$/);
    expect(out).not.toMatch(/\]\([^)]*$/);
  });

  it('embeds built from huge inputs stay within every limit', () => {
    const citations = Array.from({ length: 40 }, (_, i) => ({
      n: i + 1,
      id: `p${i}`,
      title: `A very long title ${'x'.repeat(300)} ${i}`,
      url: `https://arxiv.org/abs/2401.${i}`,
    }));
    const a: Answer = { answer: long, citations, evidence: citations.map((c) => ({ n: c.n, text: long })), refused: false, resolvedQuestion: 'q' };
    const e = answerEmbed(a, 'q'.repeat(400), new Map());
    expect(e.data.title!.length).toBeLessThanOrEqual(LIMITS.embedTitle);
    expect(e.data.description!.length).toBeLessThanOrEqual(LIMITS.embedDescription);
    for (const f of e.data.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    expect(e.data.fields!.length).toBeLessThanOrEqual(LIMITS.fields);
    expect(embedLength(e.data)).toBeLessThanOrEqual(LIMITS.embedTotal);
    const ev = evidenceEmbed(a);
    expect(embedLength(ev.data)).toBeLessThanOrEqual(LIMITS.embedTotal);
    for (const f of ev.data.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);

    const paper = { id: 'p', title: 'T'.repeat(500), abstract: long, links: ['https://github.com/a/b'] };
    const pv = paperView(paper);
    expect(pv.embeds[0]!.data.title!.length).toBeLessThanOrEqual(LIMITS.embedTitle);
    expect(embedLength(pv.embeds[0]!.data)).toBeLessThanOrEqual(LIMITS.embedTotal);

    const hits = Array.from({ length: 25 }, (_, i) => ({
      id: `p${i}`,
      title: `T ${i} ${'y'.repeat(300)}`,
      score: 0.5,
      paper: { ...paper, id: `p${i}` },
      passages: [{ id: 'x', text: long, score: 1, dense: 0 }],
      signals: { lexical: 0, dense: 0, coverage: 0 },
    })) as PaperHit[];
    const sp = searchPage('q'.repeat(2000), hits, 0, 'k');
    expect(embedLength(sp.embeds[0]!.data)).toBeLessThanOrEqual(LIMITS.embedTotal);
  });

  it('title links escape brackets and keep the URL whole', () => {
    expect(titleLink('A [B] C', 'https://x.org/a')).toBe('[A \\[B\\] C](https://x.org/a)');
  });
});

describe('rate limiter', () => {
  it('allows N per window per user and says when to retry', () => {
    let now = 0;
    const r = new RateLimiter(2, 60_000, () => now);
    expect(r.take('u')).toBe(0);
    expect(r.take('u')).toBe(0);
    expect(r.take('v')).toBe(0);
    now = 10_000;
    expect(r.take('u')).toBe(50_000);
    now = 60_001;
    expect(r.take('u')).toBe(0);
    expect(retryMessage(50_000)).toMatch(/wait 50 seconds/);
    expect(retryMessage(400)).toMatch(/wait 1 second /);
  });
});

describe('/paper view', () => {
  it('shows the thumbnail where the source has one, and upvotes and code as fields', () => {
    const p = {
      id: '2410.17243',
      title: 'Breaking the Memory Barrier',
      abstract: 'Contrastive loss.',
      url: 'https://huggingface.co/papers/2410.17243',
      links: ['https://github.com/DAMO-NLP-SG/Inf-CLIP', 'https://example.org/page'],
      upvotes: 64,
      thumbnail: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png',
    };
    const embed = paperView(p).embeds[0]!.toJSON();
    expect(embed.thumbnail).toEqual({ url: p.thumbnail });
    expect(embed.fields).toContainEqual({ name: 'Upvotes', value: '64', inline: true });
    expect(embed.fields).toContainEqual({ name: 'Code', value: 'https://github.com/DAMO-NLP-SG/Inf-CLIP', inline: true });
    const bare = paperView({ ...p, thumbnail: undefined, upvotes: undefined, links: [] } as never).embeds[0]!.toJSON();
    expect(bare.thumbnail).toBeUndefined();
    expect(bare.fields ?? []).toEqual([]);
  });
});

describe('command registry', () => {
  it('every button prefix has one owner: a second owner fails at load, not silently', async () => {
    const { buttonHandlers, buttonByPrefix, commands } = await import('../src/commands/index.js');
    expect([...buttonByPrefix.keys()].sort()).toEqual(commands.flatMap((c) => Object.keys(c.buttons ?? {})).sort());
    const one = commands.find((c) => c.buttons && Object.keys(c.buttons).length)!;
    expect(() => buttonHandlers([one, { ...one, data: { ...one.data, name: 'copy' } }])).toThrow(/two commands handle buttons with the custom-id prefix/);
  });

  it('every command name has one command: a second one of the same name fails at load', async () => {
    const { commandByName, commandsByName, commands } = await import('../src/commands/index.js');
    expect([...commandByName.keys()]).toEqual(commands.map((c) => c.data.name));
    expect(() => commandsByName([commands[0]!, { ...commands[1]!, data: commands[0]!.data }])).toThrow(`two commands are named /${commands[0]!.data.name}`);
  });

  it('the commands that do retrieval work declare the rate limit; /digest declares guild only', async () => {
    const { commandByName } = await import('../src/commands/index.js');
    const { guildOnly, rateLimited } = await import('../src/commands/preconditions.js');
    for (const name of ['ask', 'search', 'similar']) expect(commandByName.get(name)!.preconditions).toContain(rateLimited);
    expect(commandByName.get('digest')!.preconditions).toContain(guildOnly);
  });
});

describe('button ids', () => {
  it('are built and parsed by one module: what render builds, the dispatcher reads back', async () => {
    const { BUTTONS, buttonId, parseButtonId } = await import('../src/discord/button-ids.js');
    const { buttonByPrefix } = await import('../src/commands/index.js');
    expect(parseButtonId(buttonId(BUTTONS.search, 'abc123', 2))).toEqual({ prefix: 'search', args: ['abc123', '2'] });
    // Every id render.ts builds goes to a registered handler.
    const view = paperView({ id: 'a-paper', title: 'A paper', abstract: 'Text.', links: [] });
    const ids = view.components.flatMap((r) => r.toJSON().components.map((c) => (c as { custom_id: string }).custom_id));
    for (const id of ids) expect(buttonByPrefix.has(parseButtonId(id).prefix)).toBe(true);
    expect(Object.values(BUTTONS).every((p) => buttonByPrefix.has(p))).toBe(true);
  });

  it('refuse an id Discord would reject or that would not parse back, instead of truncating it', async () => {
    const { BUTTONS, buttonId } = await import('../src/discord/button-ids.js');
    expect(() => buttonId(BUTTONS.similar, 'x'.repeat(100))).toThrow(/longer than 100/);
    expect(() => buttonId(BUTTONS.similar, 'a:b')).toThrow(/may not contain/);
  });
});
