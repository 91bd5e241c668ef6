import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerChain, UNAVAILABLE_NOTICE } from '../src/answer/chain.js';
import { createChatModel } from '../src/answer/models.js';
import { loadConfig } from '../src/config.js';
import { startFakeOpenAI, type FakeOpenAI, type Mode } from './helpers/fake-openai.js';
import { seedLibrary } from './helpers/library.js';

describe('the real @langchain/openai client against a loopback OpenAI-compatible server', () => {
  let lib: Awaited<ReturnType<typeof seedLibrary>>;
  let server: FakeOpenAI;
  let chain: AnswerChain;
  const warnings: string[] = [];
  const Q = 'What is Matryoshka Representation Learning?';

  beforeAll(async () => {
    [lib, server] = await Promise.all([seedLibrary(), startFakeOpenAI()]);
    const config = loadConfig({
      ANSWER_COMPOSER: 'openai',
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: 'sk-test-secret',
      OPENAI_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '1500',
    });
    const model = await createChatModel(config);
    chain = new AnswerChain({ retriever: lib.retriever, model: model!, timeoutMs: config.LLM_TIMEOUT_MS, log: { warn: (m: string) => warnings.push(m) } });
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await lib.close();
  });

  it('a good answer reaches the user with its citation; the request carries the key and numbered sources', async () => {
    server.mode = 'good';
    server.reply = 'Matryoshka Representation Learning trains one embedding whose prefixes work at smaller sizes [1].';
    const a = await chain.ask(Q);
    expect(a).toMatchObject({ answer: server.reply, refused: false });
    expect(a.notice).toBeUndefined();
    expect(a.citations[0]!.id).toBe('matryoshka-representation-learning');
    const req = server.requests.filter((r) => !r.structured).at(-1)!;
    expect(req.auth).toBe('Bearer sk-test-secret');
    expect(req.body.model).toBe('fake-model');
    expect(req.body.messages[1]!.content).toMatch(/^Sources:\n\[1\] Matryoshka Representation Learning\n<<</);
    expect(req.body.messages[1]!.content).toContain(`Question: ${Q}`);
  });

  const fallbacks: [Mode, string][] = [
    ['cite9', 'an answer citing [9] of the given sources'],
    ['429', 'HTTP 429'],
    ['500', 'HTTP 500'],
    ['hang', 'no reply within the timeout'],
    ['malformed', 'malformed JSON'],
  ];
  for (const [mode, label] of fallbacks) {
    it(`${label}: the user gets the extractive answer with a one-line notice`, async () => {
      server.mode = mode;
      const t0 = performance.now();
      const a = await chain.ask(Q);
      const ms = performance.now() - t0;
      expect(a.notice).toBe(UNAVAILABLE_NOTICE);
      expect(a.refused).toBe(false);
      expect(a.citations[0]!.id).toBe('matryoshka-representation-learning');
      expect(a.answer).toMatch(/Matryoshka/);
      expect(a.answer).not.toMatch(/\[9\]/);
      if (mode === 'hang') expect(ms).toBeLessThan(5000);
    }, 20_000);
  }

  it('sources are rated in one structured call first; the answer is composed from the relevant ones', async () => {
    server.mode = 'good';
    server.ratings = undefined;
    server.reply = 'Matryoshka Representation Learning trains one embedding whose prefixes work at smaller sizes [1].';
    const mark = server.requests.length;
    const a = await chain.ask(Q);
    const sent = server.requests.slice(mark);
    expect(sent.map((r) => r.structured)).toEqual([true, false]);
    expect(sent[0]!.body.messages.at(-1)!.content).toContain(`Question: ${Q}`);
    expect(a.refused).toBe(false);
  });

  it('every source rated 0: the grey refusal with the closest papers, and the composer is not asked', async () => {
    server.mode = 'good';
    const question = 'How do large language models do on grade-school math?';
    server.ratings = JSON.stringify({ ratings: [1, 2, 3, 4, 5].map((source) => ({ source, relevance: 0 })) });
    const mark = server.requests.length;
    const a = await chain.ask(question);
    expect(a.refused).toBe(true);
    expect(a.closest?.length).toBeGreaterThan(0);
    expect(a.notice).toBeUndefined();
    expect(server.requests.slice(mark).every((r) => r.structured)).toBe(true);
    server.ratings = undefined;
  });

  it('a rating that is not valid JSON, or leaves a source out, is ignored: the thresholds decide, the answer still comes', async () => {
    server.mode = 'good';
    server.reply = 'Matryoshka Representation Learning trains one embedding whose prefixes work at smaller sizes [1].';
    for (const ratings of ['{"ratings": [{"source": 1, "relev', '{"ratings": []}', '{"ratings": [{"source": 1, "relevance": "high"}]}']) {
      server.ratings = ratings;
      const mark = warnings.length;
      const a = await chain.ask(Q);
      expect(a).toMatchObject({ answer: server.reply, refused: false });
      expect(warnings.slice(mark).some((w) => /source rating unavailable/.test(w))).toBe(true);
    }
    server.ratings = undefined;
  });

  it('the API key never appears in what was logged', async () => {
    const mark = warnings.length;
    for (const mode of ['500', 'malformed'] as const) {
      server.mode = mode;
      await chain.ask(Q);
    }
    // Each failing request is logged once for the rating and once for the answer.
    expect(warnings.length - mark).toBe(4);
    for (const w of warnings) expect(w).not.toContain('sk-test-secret');
  });
});
