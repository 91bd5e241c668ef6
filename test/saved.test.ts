import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SavedStore } from '../src/library/saved-store.js';
import { bibtexOf, markdownList } from '../src/paper/bibtex.js';
import { BACKENDS, makeBackend, skipBackend, type TestBackend } from './helpers/backends.js';
import { startTestBot, type TestBot } from './helpers/bot.js';
import type { FakeDiscord, RestCall } from './helpers/fake-discord.js';

// Titles as written (the parser would otherwise sentence-case them for CSL).
const parse = (bib: string) => parseBibtex(bib, { sentenceCase: false });

describe('BibTeX export', () => {
  const awkward = {
    id: '2401.01234',
    arxivId: '2401.01234',
    title: 'The {Weird} $\\alpha$-Net: 100% "Quoted" & Braced } title_x #1 ~ ^ \\emph{x}',
    authors: ['José Müller', "Ann {Odd} O'Neil", 'Bob Smith Jr.'],
  };

  it('gives entries a BibTeX parser reads back as written: LaTeX, quotes and stray braces included', () => {
    const bib = bibtexOf([
      awkward,
      { id: 'plain', title: 'A Plain Title', authors: ['Ada Lovelace'], publishedAt: '2023-05-01T00:00:00Z', url: 'https://example.org/p' },
    ]);
    const back = parse(bib);
    expect(back.errors).toEqual([]);
    expect(back.entries.map((e) => e.key)).toEqual(['muller2024weird', 'lovelace2023plain']);
    const [a, b] = back.entries;
    expect(a!.fields.title).toBe(awkward.title);
    expect(a!.fields.author?.map((x) => [x.lastName, x.suffix])).toEqual([
      ['Müller', undefined],
      ["O'Neil", undefined],
      ['Smith', 'Jr.'],
    ]);
    expect(a!.fields).toMatchObject({ year: '2024', eprint: '2401.01234', archiveprefix: 'arXiv', url: 'https://arxiv.org/abs/2401.01234' });
    expect(b!.fields).toMatchObject({ year: '2023', url: 'https://example.org/p' });
  });

  it('keys are stable and unique: a second paper with the same key gets a letter, whatever the list order', () => {
    const twin = { ...awkward, id: '2401.09999', arxivId: '2401.09999' };
    const one = parse(bibtexOf([awkward, twin])).entries.map((e) => e.key);
    const other = parse(bibtexOf([twin, awkward])).entries.map((e) => e.key);
    expect(one).toEqual(['muller2024weird', 'muller2024weirdb']);
    expect(other).toEqual(['muller2024weirdb', 'muller2024weird']);
  });

  it('1,000 saved papers stay one file well within Discord’s attachment limit', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      id: `24${String(i).padStart(2, '0')}.0${i}`,
      arxivId: `2401.${String(10000 + i)}`,
      title: `A Long Title About Scaling Vision Transformers to a Billion Parameters, Part ${i}`,
      authors: Array.from({ length: 12 }, (_, j) => `Author${j} Surname${i}`),
    }));
    const bib = bibtexOf(many);
    expect(Buffer.byteLength(bib)).toBeLessThan(8_000_000);
    const back = parse(bib);
    expect(back.errors).toEqual([]);
    expect(new Set(back.entries.map((e) => e.key)).size).toBe(1000);
    expect(markdownList(many).split('\n').filter(Boolean)).toHaveLength(1000);
  });
});

describe.each(BACKENDS)('reading lists on %s', (name) => {
  let backend: TestBackend;
  let saved: SavedStore;
  beforeEach(async (t) => {
    if (skipBackend(name)) return t.skip();
    backend = await makeBackend(name);
    saved = new SavedStore(await backend.open());
  });
  afterEach(async () => {
    await backend?.drop();
  });

  it('saves once per user, newest first, and removes', async () => {
    const t0 = new Date('2026-12-01T10:00:00Z');
    expect(await saved.save('u1', 'p1', t0)).toBe('saved');
    expect(await saved.save('u1', 'p2', new Date(t0.getTime() + 1000))).toBe('saved');
    expect(await saved.save('u1', 'p1')).toBe('already');
    expect(await saved.save('u2', 'p1', t0)).toBe('saved');
    expect(await saved.list('u1')).toEqual(['p2', 'p1']);
    expect(await saved.list('u1', 1, 1)).toEqual(['p1']);
    expect(await saved.count('u1')).toBe(2);
    expect(await saved.remove('u1', 'p2')).toBe(true);
    expect(await saved.remove('u1', 'p2')).toBe(false);
    expect(await saved.list('u1')).toEqual(['p1']);
    expect(await saved.list('u2')).toEqual(['p1']);
  });
});

describe('/saved and the Save button (fake Discord)', () => {
  let t: TestBot;
  let discord: FakeDiscord;
  beforeAll(async () => {
    t = await startTestBot();
    discord = t.discord;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });
  const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);
  const original = (token: string) => (c: RestCall) => c.method === 'PATCH' && c.path.includes(`/${token}/messages/`);
  const sub = (name: string, options: unknown[] = []) => [{ name, type: 1, options }];

  it('a paper card has Save; the list shows what was saved; export sends .bib and .md files; remove takes it off', async () => {
    const user = discord.user();
    const card = discord.command('paper', sub('show', [{ name: 'title', type: 3, value: 'matryoshka-representation-learning' }]), user);
    const shown = await discord.waitFor(callback(card.id));
    const save = shown.body.data.components[0].components[1];
    expect(save).toMatchObject({ label: 'Save', custom_id: 'save:matryoshka-representation-learning' });

    const msg = discord.botMessage('9', shown.body.data);
    const click = discord.interaction('button', { custom_id: save.custom_id }, user, msg);
    expect((await discord.waitFor(callback(click.id))).body.data).toMatchObject({ flags: 64, content: expect.stringMatching(/^Saved "Matryoshka/) });
    const again = discord.interaction('button', { custom_id: save.custom_id }, user, msg);
    expect((await discord.waitFor(callback(again.id))).body.data.content).toMatch(/already on your reading list/);

    const list = discord.command('saved', sub('list'), user);
    const listed = (await discord.waitFor(callback(list.id))).body.data;
    expect(listed.flags).toBe(64);
    expect(listed.embeds[0].description).toMatch(/^\*\*1\.\*\* \[Matryoshka Representation Learning\]/);

    const exp = discord.command('saved', sub('export'), user);
    const files = (await discord.waitFor(original(exp.token))).body.files as { name: string; text: string }[];
    expect(files.map((f) => f.name)).toEqual(['reading-list.bib', 'reading-list.md']);
    expect(parse(files[0]!.text).entries.map((e) => e.fields.title)).toEqual(['Matryoshka Representation Learning']);
    expect(files[1]!.text).toMatch(/^- \[Matryoshka Representation Learning\]/);

    const someoneElse = discord.command('saved', sub('list'), discord.user());
    expect((await discord.waitFor(callback(someoneElse.id))).body.data.embeds[0].description).toMatch(/Nothing saved yet/);

    const remove = discord.command('saved', sub('remove', [{ name: 'paper', type: 3, value: 'matryoshka' }]), user);
    expect((await discord.waitFor(callback(remove.id))).body.data.content).toBe('Removed "Matryoshka Representation Learning" from your reading list.');
    const empty = discord.command('saved', sub('export'), user);
    expect((await discord.waitFor(original(empty.token))).body.content).toMatch(/reading list is empty/);
  });
});
