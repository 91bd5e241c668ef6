import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ingestSeed } from '../src/jobs/update.js';
import { log } from '../src/log.js';

// A library stored before abstracts were made readable: its papers are normalised once, by the
// next ingest, and re-embedded; after that nothing changes.
describe('a library with LaTeX remains in its stored abstracts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-readable-'));
  const seed = path.join(dir, 'seed.txt');
  fs.writeFileSync(
    seed,
    'Daily Papers\n\nA Plain Paper\n\nWe study how plain abstracts are stored. Our method keeps every word of this abstract as it was written, because nothing in it needs to change. Experiments on three benchmarks show that plain text stays plain, which is what a reader expects from a library of papers.\n',
  );
  const config = loadConfig({ DATA_DIR: dir, SEED_FILE: seed, MODELS_DIR: path.resolve('models'), ALLOW_REMOTE_MODELS: '0', LOG_LEVEL: 'silent' });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('normalises and re-embeds the stored papers once, and never again', async () => {
    const app = await openApp(config, log, { leader: false });
    try {
      // What an older version stored, as the source gave it.
      await app.store.upsert([
        { id: 'old', title: 'An Old Paper', abstract: 'Trained at 224times224 it reaches 86.7\\% on a benchmark of note.', links: [], source: 'hf' },
      ]);
      const first = await ingestSeed(app);
      expect(first).toMatch(/1 new, 1 changed/);
      expect(first).toMatch(/embedded 2 passages of 2 papers/);
      expect((await app.store.get('old'))!.abstract).toBe('Trained at 224×224 it reaches 86.7% on a benchmark of note.');
      const hit = (await app.retriever.search('224×224 86.7%', { k: 1 }))[0]!;
      expect(hit.id).toBe('old');
      expect(hit.paper.abstract).toContain('86.7%');
      expect(await ingestSeed(app)).toMatch(/0 new, 0 changed, 1 unchanged\); embedded 0 passages/);
    } finally {
      await app.close();
    }
  }, 60_000);
});
