import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrate, refusalScore, refuses, type CalibrationPoint } from '../src/answer/refusal.js';
import { confusion } from '../src/confusion.js';
import { ndcgAt, percentile, recallAt } from '../src/eval/metrics.js';
import { formatQuestionEval, recallAtK, type QuestionEval } from '../src/eval/questions.js';
import { reconcile } from '../src/library/identity.js';
import { PaperStore } from '../src/library/store.js';
import { openDb } from '../src/db/open.js';
import { calibrateTopics } from '../src/topics/match.js';

describe('ranking metrics (they produce the README figures)', () => {
  const rel = new Map([
    ['a', 2],
    ['b', 1],
    ['z', 0],
  ]);
  it('nDCG@k: graded gains, log2 discount, normalised by the ideal ranking', () => {
    expect(ndcgAt(10, ['a', 'b'], rel)).toBeCloseTo(1);
    // b then a: (1/log2 2 + 2/log2 3) / (2/log2 2 + 1/log2 3)
    expect(ndcgAt(10, ['b', 'a'], rel)).toBeCloseTo((1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)));
    expect(ndcgAt(1, ['x', 'a'], rel)).toBe(0);
    expect(ndcgAt(10, ['x'], new Map([['z', 0]]))).toBe(0);
  });
  it('Recall@k: share of the relevant documents in the top k (zero-graded ones are not relevant)', () => {
    expect(recallAt(1, ['a', 'b'], rel)).toBe(0.5);
    expect(recallAt(100, ['z', 'b', 'a'], rel)).toBe(1);
    expect(recallAt(5, ['q'], new Map())).toBe(0);
  });
  it('recallAtK for the question sets: out of min(k, |gold|)', () => {
    expect(recallAtK(['a', 'b', 'c', 'd'], ['a', 'x', 'b'], 3)).toBeCloseTo(2 / 3);
    expect(recallAtK(['a'], ['x', 'a'], 1)).toBe(0);
    expect(recallAtK([], ['a'], 3)).toBe(0);
  });
  it('the question report shows a kind of question the set lacks as "—", not as a score of 0', () => {
    const r = { paraphraseR1: 0.5, paraphraseR3: 0.75, multiR3: 0 };
    const e: QuestionEval = {
      split: 'heldout',
      retrieval: { fused: r },
      counts: { paraphrase: 4, multi: 0, offtopic: 2 },
      offtopicRefused: 0.5,
      answerableRefused: 0.25,
      firstCitationGold: 1,
      answeredParaphrases: 3,
      mistakes: [],
      latencyMs: { p50: 10, p95: 20 },
    };
    const text = formatQuestionEval(e);
    expect(text).toContain('fused    | 0.500          | 0.750          | —');
    expect(text).toContain('off-topic/junk refused: 50.0%   answerable refused: 25.0%');
    expect(text).toContain('first citation is the gold paper: 100.0%');
    // Every paraphrase refused: no share of answered ones to show.
    expect(formatQuestionEval({ ...e, answeredParaphrases: 0, firstCitationGold: 0 })).toContain('first citation is the gold paper: —');
    const none = formatQuestionEval({ ...e, counts: { paraphrase: 0, multi: 0, offtopic: 0 } });
    expect(none).toContain('fused    | —              | —              | —');
    expect(none).toContain('off-topic/junk refused: —   answerable refused: —');
  });
  it('percentile: nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('confusion: the one scorer behind every calibration', () => {
  it('counts precision, recall, F1 and false positives of yes/no decisions', () => {
    const pts = [true, true, false, false, true].map((truth, i) => ({ truth, yes: [true, false, true, false, true][i]! }));
    const c = confusion(
      pts,
      (p) => p.truth,
      (p) => p.yes,
    );
    expect(c).toEqual({ precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, falsePositives: 1 });
    expect(
      confusion(
        [{ t: false }],
        (p) => p.t,
        () => false,
      ),
    ).toMatchObject({ precision: 1, recall: 1 });
  });
});

describe('refusal calibration', () => {
  // Out-of-scope questions: low similarity everywhere; answerable ones: high, one with few words in common.
  const points: CalibrationPoint[] = [
    ...[0.4, 0.45, 0.5, 0.52].map((d) => ({ outOfScope: true, dense: d, coverage: 0.1, sentence: d })),
    { outOfScope: true, dense: 0.66, coverage: 0.1, sentence: 0.64 },
    ...[0.7, 0.72, 0.75, 0.8, 0.85].map((d) => ({ outOfScope: false, dense: d, coverage: 0.6, sentence: d })),
    { outOfScope: false, dense: 0.68, coverage: 0.5, sentence: 0.66 },
  ];
  it('refuses every out-of-scope point it can without refusing answerable ones, sentence guard below the lowest answerable', () => {
    const t = calibrate(points);
    expect(t.sentence).toBeCloseTo(0.63, 5); // 0.66 − 0.03
    expect(t.recall).toBe(1);
    expect(t.falseRefusalRate).toBe(0);
    for (const p of points) expect(refuses(t, p)).toBe(p.outOfScope);
    expect(refusalScore(t, points)).toEqual({ precision: 1, recall: 1, falseRefusals: 0 });
  });
  it('never refuses more answerable questions than allowed, even when that leaves out-of-scope ones answered', () => {
    const hard = [...points, { outOfScope: true, dense: 0.9, coverage: 0.9, sentence: 0.9 }];
    const t = calibrate(hard, 0);
    expect(hard.filter((p) => !p.outOfScope && refuses(t, p))).toEqual([]);
    expect(t.recall).toBeCloseTo(5 / 6);
  });
});

describe('topic-alert calibration', () => {
  it('picks the strictest similarity within 0.01 F1 of the best', () => {
    const pts = [
      { match: true, dense: 0.5, coverage: 0.8 },
      { match: true, dense: 0.45, coverage: 0.6 },
      { match: false, dense: 0.3, coverage: 0.7 },
      { match: false, dense: 0.48, coverage: 0.1 },
    ];
    const t = calibrateTopics(pts);
    expect(t.f1).toBe(1);
    for (const p of pts) expect(p.dense >= t.dense && p.coverage >= t.coverage).toBe(p.match);
    expect(t.dense).toBe(0.44);
  });
});

describe('reconcile: a live paper the library already has is the same paper', () => {
  it('matches by arXiv id or normalised title, keeps the library id and text, adds what the source knows', async () => {
    const store = new PaperStore(await openDb({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-reconcile-')) }));
    await store.upsert([
      { id: 'clip-slug', title: 'Learning Transferable Visual Models', abstract: 'Seed text.', links: ['https://github.com/OpenAI/CLIP'], source: 'seed' },
    ]);
    const [same, fresh] = await reconcile(store, [
      {
        id: '2103.00020',
        arxivId: '2103.00020',
        title: 'Learning  transferable visual MODELS',
        abstract: 'Source text.',
        links: ['https://openai.com/clip'],
        source: 'hf',
        upvotes: 7,
        thumbnail: 'https://cdn/x.png',
      },
      { id: '2601.00001', title: 'Something New', abstract: 'New.', links: [], source: 'hf' },
    ]);
    expect(same).toMatchObject({
      id: 'clip-slug',
      abstract: 'Seed text.',
      source: 'seed',
      arxivId: '2103.00020',
      upvotes: 7,
      thumbnail: 'https://cdn/x.png',
      links: ['https://github.com/OpenAI/CLIP', 'https://openai.com/clip'],
    });
    expect(fresh!.id).toBe('2601.00001');
    store.close();
  });
});

describe('detail questions: is the detail in the answer?', () => {
  it('matches across case, thousands separators, LaTeX remains and × spellings, and not a different number', async () => {
    const { containsDetail } = await import('../src/eval/details.js');
    expect(containsDetail('trained with images of up to 1,536×1,536 resolution', ['1,536'])).toBe(true);
    expect(containsDetail('a 224 × 224 input', ['224x224'])).toBe(true);
    expect(containsDetail('it reaches 86.7% on MIT Indoor67', ['86.7\\%'])).toBe(true);
    expect(containsDetail('the dataset contains 23463 images', ['23,463'])).toBe(true);
    expect(containsDetail('15.4M boxes', ['15.4m'])).toBe(true);
    expect(containsDetail('15.4M boxes', ['1.9M', '600 object'])).toBe(false);
  });
});
