import type { App } from '../app.js';
import { SharedState } from '../db/state.js';
import { ingest, readablePaper } from '../library/ingest.js';
import { READABLE_VERSION } from '../library/readable.js';
import { createProgress } from '../progress.js';
import { readSource, type SourceRequest } from '../sources/index.js';

// Bringing a running app's library up to date: used by the CLI, `npm start`, and the daily post.

/** Ingests the seed page; returns a one-line summary. */
export async function ingestSeed(app: App, seedFile = app.config.SEED_FILE): Promise<string> {
  return ingestFrom(app, { source: 'seed', seed: seedFile });
}

/** Ingests papers from a source (seed page, Hugging Face daily papers, arXiv); returns a summary line. */
export async function ingestFrom(app: App, req: SourceRequest): Promise<string> {
  const { papers, label } = await readSource(app.config, req);
  const marker = new SharedState<number>(app.db, 'library', 1000 * 365 * 86_400_000);
  const older = (await marker.get('readable-version')) !== READABLE_VERSION;
  // Papers stored before the text was made readable (or by an older version of it) are normalised
  // once, here: their content hash changes, so this ingest re-embeds them (the source's own copy, after, wins).
  const stale = older ? (await app.store.all()).filter((p) => readablePaper(p) !== p) : [];
  const r = await ingest([...stale, ...papers], {
    store: app.store,
    vectors: app.backend.vectors,
    index: app.backend.index,
    embeddings: app.embeddings,
    progress: createProgress('embedding', app.log),
  });
  if (older) await marker.set('readable-version', READABLE_VERSION);
  let alerts = '';
  if (r.fresh.length) {
    // New papers close to someone's topic become pending alerts (the bot sends them, one DM a day).
    const topics = await app.topics.all();
    if (topics.length) {
      const { matchTopics } = await import('../topics/match.js');
      const n = await app.topics.addMatches(await matchTopics(app.retriever, topics, new Set(r.fresh.map((p) => p.id))));
      alerts = `; ${n} topic alert${n === 1 ? '' : 's'} queued`;
    }
  }
  return `${label}: ${papers.length} papers (${r.added} new, ${r.changed} changed, ${r.unchanged} unchanged); embedded ${r.embeddedPassages} passages of ${r.embeddedPapers} papers in ${r.seconds.toFixed(2)} s; library holds ${r.libraryCount} papers${alerts}`;
}
