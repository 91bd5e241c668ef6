import { round } from '../util.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Embeddings } from '@langchain/core/embeddings';
import { ingest } from '../library/ingest.js';
import type { Paper } from '../paper/paper.js';
import type { Progress } from '../progress.js';
import { PaperStore } from '../library/store.js';
import { openDb } from '../db/open.js';
import type { FusionParams } from '../retrieval/fusion.js';
import { HybridRetriever } from '../retrieval/hybrid-retriever.js';
import { VectraStore } from '../retrieval/vectors/vector-store.js';
import { mean, ndcgAt, recallAt } from './metrics.js';

export interface BeirData {
  corpus: Paper[];
  queries: { id: string; text: string }[];
  qrels: Map<string, Map<string, number>>;
}

class BeirFormatError extends Error {}

function readJsonl(file: string): Record<string, unknown>[] {
  const text = fs.readFileSync(file, 'utf8');
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      throw new BeirFormatError(`${file}:${i + 1}: not a JSON line`);
    }
  });
}

/** Reads a BEIR corpus, query file and qrels TSV; only queries that have judgments are kept. */
export function loadBeir(corpusFile: string, queriesFile: string, qrelsFile: string): BeirData {
  const corpus: Paper[] = readJsonl(corpusFile).map((d, i) => ({
    id: String(d._id),
    title: String(d.title ?? ''),
    abstract: String(d.text ?? ''),
    links: [],
    source: 'beir',
    sourceOrder: i,
  }));
  const qrels = new Map<string, Map<string, number>>();
  fs.readFileSync(qrelsFile, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const [q, d, s] = line.trim().split(/\t|\s+/);
      if (!q || (i === 0 && q === 'query-id')) return;
      if (!d || s === undefined || Number.isNaN(Number(s))) throw new BeirFormatError(`${qrelsFile}:${i + 1}: expected "query-id corpus-id score"`);
      if (!qrels.has(q)) qrels.set(q, new Map());
      qrels.get(q)!.set(d, Number(s));
    });
  const queries = readJsonl(queriesFile)
    .map((q) => ({ id: String(q._id), text: String(q.text ?? '') }))
    .filter((q) => qrels.has(q.id));
  return { corpus, queries, qrels };
}

/**
 * Indexes a BEIR corpus into its own folder (keyed by the corpus content and the model), so a second
 * run reuses the vectors. Returns a retriever over it.
 */
export async function indexBeir(
  data: BeirData,
  dataDir: string,
  embeddings: Embeddings & { modelId: string },
  progress?: Progress,
): Promise<{ retriever: HybridRetriever; embeddedPassages: number; seconds: number; close(): void }> {
  const h = createHash('sha256');
  for (const p of data.corpus) h.update(p.id).update(p.title).update(p.abstract);
  const dir = path.join(dataDir, 'eval', `beir-${h.digest('hex').slice(0, 12)}`);
  const store = new PaperStore(await openDb({ DATA_DIR: dir }));
  const vectors = await VectraStore.open(path.join(dir, 'vectors', embeddings.modelId), embeddings);
  const report = await ingest(data.corpus, { store, vectors, embeddings, ...(progress ? { progress } : {}) });
  const retriever = HybridRetriever.inMemory(embeddings, vectors, await store.all());
  return { retriever, embeddedPassages: report.embeddedPassages, seconds: report.seconds, close: () => void store.close() };
}

export interface RankingScore {
  ndcg10: number;
  recall100: number;
  queries: number;
}

/** nDCG@10 and Recall@100 of one ranking method over all judged queries. */
export async function scoreBeir(retriever: HybridRetriever, data: BeirData, queryVectors: number[][], fusion: FusionParams): Promise<RankingScore> {
  const ndcg: number[] = [];
  const recall: number[] = [];
  for (let i = 0; i < data.queries.length; i++) {
    const q = data.queries[i]!;
    const hits = await retriever.searchWithVector(q.text, queryVectors[i]!, { k: 100, passages: 0, fusion });
    const ranked = hits.map((h) => h.id);
    const rel = data.qrels.get(q.id)!;
    ndcg.push(ndcgAt(10, ranked, rel));
    recall.push(recallAt(100, ranked, rel));
  }
  return { ndcg10: round(mean(ndcg)), recall100: round(mean(recall)), queries: data.queries.length };
}
