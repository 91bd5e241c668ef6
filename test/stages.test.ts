import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerChain, stageDeps } from '../src/answer/chain.js';
import { ConversationStore } from '../src/answer/conversation.js';
import { citeStage, REFUSAL_TEXT } from '../src/answer/stages/cite.js';
import { composeStage } from '../src/answer/stages/compose.js';
import { condenseStage } from '../src/answer/stages/condense.js';
import { judgeStage } from '../src/answer/stages/judge.js';
import { retrieveStage } from '../src/answer/stages/retrieve.js';
import type { Composed, Judged, StageDeps } from '../src/answer/stages/types.js';
import type { PaperHit } from '../src/retrieval/hybrid-retriever.js';
import { seedLibrary } from './helpers/library.js';

// Each stage of the answer pipeline on its own, with a hand-made input, and one replaced in the chain.

const hit = (id: string, title: string): PaperHit => ({
  id,
  title,
  score: 1,
  url: `https://example.org/${id}`,
  paper: { id, title, abstract: `${title} abstract.`, url: `https://example.org/${id}`, links: [] },
  passages: [{ id: `${id}#0`, text: `${title} passage.`, score: 1, dense: 1 }],
  signals: { lexical: 1, dense: 1, coverage: 1 },
});

/** A composed answer whose source numbers are not the hits' positions (the judge dropped source 1). */
function composed(text: string, more: Partial<Composed> = {}): Composed {
  const hits = [hit('a', 'Paper A'), hit('b', 'Paper B'), hit('c', 'Paper C')];
  return {
    question: 'q',
    resolved: 'q',
    focus: [],
    among: false,
    avoid: new Set(),
    repeatBest: true,
    vector: [],
    hits,
    body: new Map(),
    sources: [
      { n: 2, id: 'b', title: 'Paper B', passages: ['B passage.'] },
      { n: 3, id: 'c', title: 'Paper C', url: 'https://example.org/c', passages: ['C passage.'] },
    ],
    hitOf: new Map([
      [2, hits[1]!],
      [3, hits[2]!],
    ]),
    refuse: false,
    meaning: new Map(),
    idf: () => 1,
    llmMsLeft: 0,
    text,
    evidenceFor: new Map([[3, ['C holds the detail.']]]),
    ...more,
  };
}

describe('cite', () => {
  it('renumbers citations by first appearance, drops ones to no source, and attaches the passage each rests on', async () => {
    const a = await citeStage().invoke(composed('C says so [3]. B too [2]. Nothing [9].'));
    expect(a.answer).toBe('C says so [1]. B too [2]. Nothing .');
    expect(a.citations).toEqual([
      { n: 1, id: 'c', title: 'Paper C', url: 'https://example.org/c' },
      { n: 2, id: 'b', title: 'Paper B' },
    ]);
    expect(a.evidence).toEqual([
      { n: 1, text: 'C holds the detail.' },
      { n: 2, text: 'B passage.' },
    ]);
    expect(a.refused).toBe(false);
  });

  it('a refusal says so, cites nothing and lists the closest papers; its wording is the stage’s option', async () => {
    const a = await citeStage().invoke(composed('', { refuse: true }));
    expect(a).toMatchObject({ answer: REFUSAL_TEXT, citations: [], evidence: [], refused: true });
    expect(a.closest!.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect((await citeStage({ refusalText: 'Nope.' }).invoke(composed('', { modelRefused: true }))).answer).toBe('Nope.');
  });

  it('a refusal says whether the full text of the closest papers was read', async () => {
    const read = (ids: string[]) => new Map(ids.map((id) => [id, []]));
    expect((await citeStage().invoke(composed('', { refuse: true, body: read(['b']) }))).answer).toBe(
      `${REFUSAL_TEXT} I read the full text of the closest paper as well.`,
    );
    expect((await citeStage().invoke(composed('', { refuse: true, body: read(['a', 'c']) }))).answer).toBe(
      `${REFUSAL_TEXT} I read the full text of the 2 closest papers as well.`,
    );
  });
});

describe('condense', () => {
  it('turns a follow-up into a question about the earlier answer’s paper, and remembers what was quoted', async () => {
    const conversations = new ConversationStore();
    await conversations.add('c1', {
      question: 'Tell me about Paper B',
      resolved: 'Tell me about Paper B',
      citations: [{ n: 1, id: 'b', title: 'Paper B' }],
      quoted: ['B passage.'],
    });
    const c = await condenseStage({ conversations }).invoke({ question: 'how many parameters does it have?', conversationId: 'c1' });
    expect(c.focus).toEqual(['b']);
    expect(c.resolved).toContain('Paper B');
    expect([...c.avoid]).toEqual(['B passage.']);
    const again = await condenseStage({ conversations }).invoke({ question: 'say that again', conversationId: 'c1' });
    expect([...again.avoid]).toEqual([]);
    const alone = await condenseStage({ conversations }).invoke({ question: 'What is CLIP?' });
    expect(alone).toMatchObject({ resolved: 'What is CLIP?', focus: [], among: false });
  });
});

describe('retrieve, judge and compose on the seed library', () => {
  let lib: Awaited<ReturnType<typeof seedLibrary>>;
  let d: StageDeps;
  const judged = async (question: string): Promise<Judged> => {
    const c = await condenseStage(d).invoke({ question });
    return judgeStage(d).invoke(await retrieveStage(d).invoke(c));
  };

  beforeAll(async () => {
    lib = await seedLibrary();
    // The chain's own settings (profile thresholds, sentence meaning).
    d = stageDeps({ retriever: lib.retriever });
  }, 180_000);
  afterAll(async () => lib?.close());

  it('judge numbers the sources from 1 and maps each number to the hit it came from', async () => {
    const j = await judged('Which papers are about remote sensing or aerial images?');
    expect(j.refuse).toBe(false);
    expect(j.sources.map((s) => s.n)).toEqual(j.sources.map((_, i) => i + 1));
    for (const s of j.sources) expect(j.hitOf.get(s.n)!.id).toBe(s.id);
  });

  it('judge refuses a question the library has nothing on; compose then writes nothing', async () => {
    const j = await judged('How do I bake sourdough bread with a crispy crust?');
    expect(j.refuse).toBe(true);
    expect((await composeStage(d).invoke(j)).text).toBe('');
  });

  it('compose (extractive) quotes the sentence that holds the detail, citing its source, with that sentence as evidence', async () => {
    const j = await judged('How many image-text pairs does LAION-5B contain?');
    const c = await composeStage(d).invoke(j);
    expect(c.text).toMatch(/5\.85 billion/);
    expect(c.text).toMatch(/\[1\]/);
    expect(c.evidenceFor.get(1)?.[0]).toMatch(/5\.85 billion/);
  });

  it('a stage can be replaced: a custom composer’s text is cited against the judged sources', async () => {
    const compose = RunnableLambda.from((j: Judged): Composed => ({ ...j, text: `Custom answer [${j.sources[0]!.n}].`, evidenceFor: new Map() }));
    const a = await new AnswerChain({ retriever: lib.retriever, stages: { compose } }).ask('What is LAION-5B?');
    expect(a.answer).toBe('Custom answer [1].');
    expect(a.citations[0]!.title).toMatch(/LAION-5B/);
  });
});
