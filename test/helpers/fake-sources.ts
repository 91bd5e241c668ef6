import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const fixture = (name: string) => fs.readFileSync(`test/fixtures/${name}`, 'utf8');

export interface FakeSources {
  base: string;
  /** Body (or status) served for a daily_papers date; a list is served in turn, one per request. */
  days: Map<string, (string | number)[]>;
  arxiv: (string | number)[];
  requests: { url: string; userAgent?: string }[];
  close(): Promise<void>;
}

/** Hugging Face daily papers + arXiv API on 127.0.0.1, with scripted answers (bodies or HTTP statuses). */
export async function startFakeSources(): Promise<FakeSources> {
  const state: FakeSources = { base: '', days: new Map(), arxiv: [], requests: [], close: async () => {} };
  const serve = (res: http.ServerResponse, queue: (string | number)[] | undefined, type: string) => {
    const next = queue && queue.length > 1 ? queue.shift()! : queue?.[0];
    if (next === undefined) return res.writeHead(200, { 'content-type': type }).end(type.includes('json') ? '[]' : fixture('xiv_arxiv_empty.xml'));
    if (typeof next === 'number') return res.writeHead(next, { 'content-type': 'text/html' }).end(`<html><body>Error ${next}</body></html>`);
    if (next === 'HANG') return; // never answers
    res.writeHead(200, { 'content-type': type }).end(next);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.requests.push({ url: req.url ?? '', ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}) });
    if (url.pathname === '/api/daily_papers') return serve(res, state.days.get(url.searchParams.get('date') ?? ''), 'application/json');
    if (url.pathname === '/api/query') return serve(res, state.arxiv, 'application/atom+xml');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

/** The older (2024) daily_papers response: a JSON array of 3 items. */
export const hf2024 = () => fixture('deep-diver_daily_papers_2024-10-25_excerpt.json');
/** The 2026 item (with ai_summary, githubRepo, submittedOnDailyAt) as a one-item response. */
export const hf2026 = () => `[${fixture('item_2026-03_newer_fields_excerpt.json')}]`;
