import type { Config } from '../config.js';
import type { Paper } from '../paper/paper.js';
import { fetchArxiv } from './arxiv.js';
import { fetchHfDaily } from './hf.js';
import { SourceError } from './http.js';
import { readSeedFile } from './seed.js';

export type SourceName = 'seed' | 'hf' | 'arxiv';

export interface SourceRequest {
  source: SourceName;
  /** hf: the day (YYYY-MM-DD, default today in UTC). */
  date?: string;
  /** arxiv: the search query. */
  query?: string;
  /** seed: the page to read (default SEED_FILE). */
  seed?: string;
  /** arxiv: how many papers. */
  max?: number;
}

export const today = (now = new Date()) => now.toISOString().slice(0, 10);

/** Reads papers from one source; every source sits behind this one call. */
export async function readSource(config: Config, req: SourceRequest): Promise<{ papers: Paper[]; label: string }> {
  const fetchOpts = { timeoutMs: config.SOURCE_TIMEOUT_MS };
  switch (req.source) {
    case 'seed': {
      const file = req.seed ?? config.SEED_FILE;
      return { papers: readSeedFile(file), label: file };
    }
    case 'hf': {
      const date = req.date ?? today();
      const r = await fetchHfDaily(date, config.HF_API_BASE, fetchOpts);
      return { papers: r.papers, label: `Hugging Face daily papers ${date}${r.skipped ? ` (${r.skipped} malformed items skipped)` : ''}` };
    }
    case 'arxiv': {
      if (!req.query) throw new SourceError('--source arxiv needs --query, e.g. --query "cat:cs.CV"');
      return { papers: await fetchArxiv(req.query, config.ARXIV_API_BASE, req.max ?? 50, fetchOpts), label: `arXiv "${req.query}"` };
    }
  }
}
