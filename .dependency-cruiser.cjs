// The direction imports may take, checked by `npm test` (dependency-cruiser). A module may import
// its own layer and the layers listed before it, never one after it, and no cycles at all.
// Data flows sources → library → retrieval → answer → discord / digest, and the code layers follow
// the same idea: what is more basic comes first, what wires things together comes last.
const LAYERS = [
  ['base', '^src/(util|errors|config|log|confusion|question|progress)\\.ts$|^src/types/'],
  ['paper', '^src/paper/'], // the paper model: fields, ids, title normalisation, links
  ['db', '^src/db/'], // the SQL seam (SQLite or PostgreSQL), migrations, leader election
  ['retrieval', '^src/retrieval/'], // encoders/, lexical/ (BM25), vectors/, and fusion + the retriever over them
  ['library', '^src/library/'], // the paper store, identity, readable text, ingest
  ['sources', '^src/sources/'], // the seed page, Hugging Face, arXiv
  ['answer', '^src/answer/'], // the cited-answer chain
  ['backend', '^src/backend/'], // where the library lives, chosen once: embedded (SQLite, Vectra, BM25 in memory) or PostgreSQL
  ['discord', '^src/discord/'], // Discord presentation: embeds, limits, rate limit
  ['features', '^src/(digest|topics|threads)/'], // daily and weekly posts, topic alerts, paper threads
  ['app', '^src/app\\.ts$'], // opens everything
  ['jobs', '^src/jobs/'], // bring the library up to date, prepare a daily post
  ['commands', '^src/commands/'], // slash commands, one file each, and what they may touch
  ['eval', '^src/eval/'],
  ['bot', '^src/bot/'], // the Discord client, dispatch, registration
  ['entry', '^src/(cli|start)\\.ts$|^src/cli/'],
];

const forbidden = [
  { name: 'no-circular', severity: 'error', comment: 'Modules import each other in a loop.', from: {}, to: { circular: true } },
  {
    name: 'no-test-code-in-src',
    severity: 'error',
    comment: 'The shipped code must not reach test helpers or the benchmark.',
    from: { path: '^src/' },
    to: { path: '^(test|bench)/' },
  },
  {
    name: 'every-module-in-a-layer',
    severity: 'error',
    comment: 'A new folder under src/ needs a place in LAYERS.',
    from: { path: '^src/', pathNot: LAYERS.map(([, p]) => `(${p})`).join('|') },
    to: {},
  },
];
LAYERS.forEach(([name, path], i) => {
  const later = LAYERS.slice(i + 1);
  if (later.length === 0) return;
  forbidden.push({
    name: `${name}-imports-only-earlier-layers`,
    severity: 'error',
    comment: `${name} may not import ${later.map(([n]) => n).join(', ')}`,
    from: { path },
    to: { path: later.map(([, p]) => `(${p})`).join('|') },
  });
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
