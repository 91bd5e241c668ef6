import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../src/library/ingest.js';
import { parseLatexml } from '../src/sources/fulltext/latexml.js';
import { slugify } from '../src/paper/paper.js';
import { startTestBot, type TestBot } from './helpers/bot.js';
import type { FakeDiscord, RestCall } from './helpers/fake-discord.js';

// `/paper add link:` against a loopback Discord and a loopback arXiv serving one HTML paper.
const EPHEMERAL = 64;
const GUILD = '600000000000000009';
const CHANNEL = '700000000000000009';
const MANAGE_GUILD = String(1n << 5n);
const MEMBER = '0';

let arxiv: http.Server;
/** Every request the loopback arXiv got. */
const arxivRequests: string[] = [];
let htmlBase: string;
let t: TestBot;
let discord: FakeDiscord;

beforeAll(async () => {
  const paper = fs.readFileSync('test/fixtures/fulltext/P14-1028.xhtml', 'utf8');
  const brae = fs.readFileSync('test/fixtures/fulltext/P14-1011.xhtml', 'utf8');
  const topics = fs.readFileSync('test/fixtures/fulltext/P14-1013.xhtml', 'utf8');
  arxiv = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    arxivRequests.push(url);
    if (url.startsWith('/api/query') && url.includes('ti:"learning topic representation for smt with neural networks"'))
      res
        .writeHead(200, { 'content-type': 'application/atom+xml' })
        .end(
          '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2403.00009v1</id><title>Learning Topic Representation for SMT with Neural Networks</title><summary>An abstract.</summary></entry></feed>',
        );
    else if (url.startsWith('/api/query') && url.includes('ti:"laion 5b')) res.writeHead(503).end('unavailable');
    else if (url.startsWith('/api/query'))
      res.writeHead(200, { 'content-type': 'application/atom+xml' }).end('<feed xmlns="http://www.w3.org/2005/Atom"></feed>');
    else if (req.url === '/html/2403.00009') res.writeHead(200, { 'content-type': 'application/xhtml+xml' }).end(topics);
    else if (req.url === '/html/2402.00007') res.writeHead(200, { 'content-type': 'application/xhtml+xml' }).end(brae);
    else if (req.url === '/html/2401.01234') res.writeHead(302, { location: '/html/2401.01234v1' }).end();
    else if (req.url === '/html/2401.01234v1') res.writeHead(200, { 'content-type': 'application/xhtml+xml' }).end(paper);
    else res.writeHead(404).end('No such paper');
  });
  await new Promise<void>((ok) => arxiv.listen(0, '127.0.0.1', ok));
  htmlBase = `http://127.0.0.1:${(arxiv.address() as AddressInfo).port}/html`;
  t = await startTestBot({
    ARXIV_HTML_BASE: htmlBase,
    ARXIV_PDF_BASE: htmlBase.replace(/html$/, 'pdf'),
    ARXIV_API_BASE: htmlBase.replace(/\/html$/, ''),
    FULLTEXT_ON_DEMAND: 'true',
  });
  discord = t.discord;
  discord.guild(GUILD, [{ id: CHANNEL }]);
  await new Promise((r) => setTimeout(r, 300));
}, 120_000);

afterAll(async () => {
  await t?.close();
  await new Promise<void>((ok) => arxiv.close(() => ok()));
});

const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);
const original = (token: string) => (c: RestCall) => c.method === 'PATCH' && c.path.includes(`/${token}/messages/`);
const add = (link: string, permissions = MANAGE_GUILD) =>
  discord.guildCommand(GUILD, CHANNEL, 'paper', [{ name: 'add', type: 1, options: [{ name: 'link', type: 3, value: link }] }], {}, permissions);

describe('/paper add link:', () => {
  it('needs Manage Server, and a server', async () => {
    const member = add('https://arxiv.org/abs/2401.01234', MEMBER);
    const refused = await discord.waitFor(callback(member.id));
    expect(refused.body.data).toMatchObject({ flags: EPHEMERAL, content: 'You need the Manage Server permission in this server to use this command.' });
    const dm = discord.command('paper', [{ name: 'add', type: 1, options: [{ name: 'link', type: 3, value: '2401.01234' }] }]);
    expect((await discord.waitFor(callback(dm.id))).body.data.content).toBe('This command works inside a server only.');
  });

  it('says in one line what is not an arXiv link, and what arXiv has neither HTML nor a PDF of', async () => {
    const bad = add('my favourite paper');
    expect((await discord.waitFor(callback(bad.id))).body.data).toMatchObject({
      flags: EPHEMERAL,
      content: expect.stringMatching(/is not an arXiv link or id/),
    });
    const none = add('2402.99999');
    const edit = await discord.waitFor(original(none.token));
    expect(edit.body.content).toBe('Could not add it: arXiv has no paper 2402.99999 (neither an HTML version nor a PDF)');
  });

  it('reads the paper, shows its card, and /ask then answers from its body with a link to the section', async () => {
    const i = add('https://arxiv.org/abs/2401.01234');
    const ack = await discord.waitFor(callback(i.id));
    expect(ack.body.data).toMatchObject({ flags: EPHEMERAL, content: 'Reading the paper…' });
    const done = await discord.waitFor(original(i.token), 30_000);
    expect(done.body.content).toMatch(
      /^added "Max-Margin Tensor Neural Network for Chinese Word Segmentation" \(2401\.01234\): \d+ passages from 17 sections$/,
    );
    expect(done.body.embeds[0].title).toBe('Max-Margin Tensor Neural Network for Chinese Word Segmentation');
    expect(done.body.components[0].components.map((b: { label: string }) => b.label)).toEqual(['Similar papers', 'Save', 'Discuss']);

    const q = discord.command('ask', [{ name: 'question', type: 3, value: 'What minibatch size was used to train MMTNN?' }]);
    const answer = await discord.waitFor(original(q.token), 30_000);
    expect(answer.body.embeds[0].description).toMatch(/minibatch size is set to 20 \[1 §4\.1\]/);
    const button = answer.body.components[0].components[0];
    const msg = discord.botMessage('3', answer.body);
    const click = discord.interaction('button', { custom_id: button.custom_id }, q.user, msg);
    const evidence = await discord.waitFor(callback(click.id));
    const field = evidence.body.data.embeds[0].fields[0];
    expect(field.value).toMatch(/minibatch size is set to 20/);
    expect(field.value).toContain(`§4.1 Data and Model Selection · ${htmlBase}/2401.01234v1#S4.SS1`);

    // The same paper again: nothing is embedded twice.
    const again = add('2401.01234v1');
    expect((await discord.waitFor(original(again.token), 30_000)).body.content).toMatch(/already in the library with this text/);
  });
});

describe('/ask about a paper the library has only the abstract of', () => {
  it('reads the paper first ("Reading …"), then answers from its body; the next question does not read it again', async () => {
    const { app } = t;
    const body = parseLatexml(fs.readFileSync('test/fixtures/fulltext/P14-1011.xhtml', 'utf8'))!;
    const id = '2402.00007';
    const paper = { id, arxivId: id, title: body.title, abstract: body.abstract, links: [], source: 'arxiv', url: `https://arxiv.org/abs/${id}` };
    await ingest([paper], { store: app.store, vectors: app.backend.vectors, index: app.backend.index, embeddings: app.embeddings });
    expect(await app.backend.fullTexts.key(id)).toBeUndefined();

    const q = discord.command('ask', [{ name: 'question', type: 3, value: 'What learning rate was used to train BRAE?' }]);
    const reading = await discord.waitFor(original(q.token), 30_000);
    expect(reading.body.content).toBe(`Reading "${body.title}" (its full text is new to the library)…`);
    const answer = await discord.waitFor((c) => original(q.token)(c) && c.body.embeds?.length > 0, 30_000);
    expect(answer.body.content).toBe('');
    expect(answer.body.embeds[0].description).toMatch(/learning rate η=0\.01.*\[1 §4\.1\]/);
    expect((await app.backend.fullTexts.key(id))?.sourceKey).toBe(`arxiv:${id}`);

    // Named by its whole title this time.
    const again = discord.command('ask', [{ name: 'question', type: 3, value: `Which toolkit pre-trained the word embeddings of ${body.title}?` }]);
    const second = await discord.waitFor(original(again.token), 30_000);
    expect(second.body.embeds?.length).toBeGreaterThan(0); // answered at once: no "Reading …" first
  });

  it('a seed paper (no arXiv id) named in a question is found on arXiv by its exact title, read, then answered', async () => {
    const { app } = t;
    const body = parseLatexml(fs.readFileSync('test/fixtures/fulltext/P14-1013.xhtml', 'utf8'))!;
    const paper = { id: slugify(body.title), title: body.title, abstract: body.abstract, links: [], source: 'seed' };
    await ingest([paper], { store: app.store, vectors: app.backend.vectors, index: app.backend.index, embeddings: app.embeddings });
    const q = discord.command('ask', [{ name: 'question', type: 3, value: `What data trained ${body.title}?` }]);
    const reading = await discord.waitFor(original(q.token), 30_000);
    expect(reading.body.content).toBe(`Reading "${body.title}" (its full text is new to the library)…`);
    await discord.waitFor((c) => original(q.token)(c) && c.body.embeds?.length > 0, 30_000);
    expect((await app.backend.fullTexts.key(paper.id))?.sourceKey).toBe('arxiv:2403.00009');
    expect((await app.store.all()).filter((p) => p.title === body.title)).toHaveLength(1); // no second copy: the seed paper got it
  });

  it('when arXiv does not answer a title lookup, the question is answered from the abstract and seed papers are not looked up again for a while', async () => {
    const mark = discord.calls.length;
    const q = discord.command('ask', [{ name: 'question', type: 3, value: 'What is LAION-5B?' }]);
    // No "Reading …": there was no paper to read.
    const answer = await discord.waitFor(original(q.token), 30_000, mark);
    expect(answer.body.embeds[0].description).toMatch(/\[1\]/);
    expect(arxivRequests.some((u) => u.includes('ti:"laion 5b'))).toBe(true);
    // Another seed paper at once: arXiv is not asked (it just failed to answer), and the answer comes from the abstract.
    const asked = arxivRequests.length;
    const next = discord.command('ask', [{ name: 'question', type: 3, value: 'What is CLIP?' }]);
    const first = await discord.waitFor(original(next.token), 30_000);
    expect(first.body.embeds?.length).toBeGreaterThan(0);
    expect(arxivRequests.length).toBe(asked);
  });
});
