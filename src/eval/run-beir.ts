import { loadConfig } from '../config.js';
import { createProgress } from '../progress.js';
import { log } from '../log.js';
import { createEmbeddings } from '../retrieval/encoders/embeddings.js';
import { fusionGrid, judgeBeir, scoreSetting } from './sweep.js';
import { indexBeir, loadBeir, scoreBeir, type RankingScore } from './beir.js';
import { RANKINGS } from './seeds.js';

/** `paperbot eval beir`: index (cached), embed the queries once, score each ranking. */
export async function runBeirEval(opts: {
  corpus: string;
  queries: string;
  qrels: string;
  json?: boolean;
  sweep?: boolean;
}): Promise<Record<string, RankingScore>> {
  const config = loadConfig();
  const data = loadBeir(opts.corpus, opts.queries, opts.qrels);
  const embeddings = await createEmbeddings(config, log);
  const idx = await indexBeir(data, config.DATA_DIR, embeddings, createProgress('embedding corpus', log));
  try {
    log.info(
      `indexed ${data.corpus.length} documents (${idx.embeddedPassages} chunks embedded this run) in ${idx.seconds.toFixed(1)} s; ${data.queries.length} judged queries`,
    );
    // embedQuery, not embedDocuments: query-side instructions (bge's) apply to queries only.
    const qv: number[][] = [];
    for (const q of data.queries) qv.push(await embeddings.embedQuery(q.text));
    const out: Record<string, RankingScore> = {};
    for (const [name, make] of Object.entries(RANKINGS)) out[name] = await scoreBeir(idx.retriever, data, qv, make(idx.retriever.fusion));
    if (opts.json) console.log(JSON.stringify(out));
    else
      for (const [name, s] of Object.entries(out))
        console.log(`${name.padEnd(8)} nDCG@10 ${s.ndcg10.toFixed(4)}  Recall@100 ${s.recall100.toFixed(4)}  (${s.queries} queries)`);
    if (opts.sweep) {
      const judged = await judgeBeir(idx.retriever, embeddings, data);
      for (const { label, params } of fusionGrid()) console.log(`sweep ${label.padEnd(24)} nDCG@10 ${scoreSetting(judged, params).toFixed(4)}`);
    }
    return out;
  } finally {
    idx.close();
    await (embeddings as { dispose?: () => Promise<void> }).dispose?.();
  }
}
