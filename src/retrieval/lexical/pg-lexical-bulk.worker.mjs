// Worker thread for a BM25 bulk load into PostgreSQL: analyses the papers and lays out their postings
// (pg-lexical-bulk.ts) while the main thread writes vectors. One job, then the thread is ended.
// Workers do not inherit tsx's loader hooks, so this plain module registers tsx first.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { bulkBuffers, prepareBulk } = await import('./pg-lexical-bulk.ts');

parentPort.on('message', ({ papers, corpus, params, cap }) => {
  try {
    const bulk = prepareBulk(papers, corpus, params, cap);
    parentPort.postMessage(bulk, bulkBuffers(bulk));
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
  }
});
