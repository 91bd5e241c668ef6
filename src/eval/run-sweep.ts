import path from 'node:path';
import type { App } from '../app.js';
import { createProgress } from '../progress.js';
import { indexBeir, loadBeir } from './beir.js';
import { loadQuestions, type Split } from './questions.js';
import { loadSeedQuestions } from './seeds.js';
import { fusionGrid, judgeBeir, judgeQuestions, scoreSetting, type Judged } from './sweep.js';

/**
 * `paperbot eval fusion`: one table, one row per fusion setting, one column per fitting set.
 * Fit on `--split tune` (the default); the heldout half is for reporting only.
 */
export async function runFusionSweep(app: App, opts: { scifact: string; questions: string; split: Split }): Promise<string> {
  const qs = loadQuestions(opts.questions, opts.split, await app.catalog.ids());
  const literal = loadSeedQuestions('eval/seed-questions.json', await app.catalog.ids()).filter((q) => q.kind === 'literal');
  const sets: [string, Judged[]][] = [
    [
      `paraphrase R@1 (${opts.split})`,
      await judgeQuestions(
        app.retriever,
        app.embeddings,
        qs.filter((q) => q.kind === 'paraphrase'),
        1,
      ),
    ],
    [
      `paraphrase R@3 (${opts.split})`,
      await judgeQuestions(
        app.retriever,
        app.embeddings,
        qs.filter((q) => q.kind === 'paraphrase'),
        3,
      ),
    ],
    [
      `multi R@3 (${opts.split})`,
      await judgeQuestions(
        app.retriever,
        app.embeddings,
        qs.filter((q) => q.kind === 'multi'),
        3,
      ),
    ],
    [
      'literal R@1',
      await judgeQuestions(
        app.retriever,
        app.embeddings,
        literal.map((q) => ({ question: q.q, gold: q.gold })),
        1,
      ),
    ],
  ];
  const data = loadBeir(path.join(opts.scifact, 'corpus.jsonl'), path.join(opts.scifact, 'queries.train.jsonl'), path.join(opts.scifact, 'qrels', 'train.tsv'));
  const idx = await indexBeir(data, app.config.DATA_DIR, app.embeddings, createProgress('embedding SciFact', app.log));
  try {
    sets.push(['SciFact train nDCG@10', await judgeBeir(idx.retriever, app.embeddings, data)]);
  } finally {
    idx.close();
  }
  const header = ['setting'.padEnd(24), ...sets.map(([name]) => name)].join(' | ');
  const rows = fusionGrid().map(({ label, params }) =>
    [label.padEnd(24), ...sets.map(([name, judged]) => scoreSetting(judged, params).toFixed(4).padEnd(name.length))].join(' | '),
  );
  return [header, ...rows].join('\n');
}
