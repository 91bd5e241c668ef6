import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { describe, expect, it } from 'vitest';
import { PaperStore } from '../src/library/store.js';
import { openDb } from '../src/db/open.js';
import { VectraStore } from '../src/retrieval/vectors/vector-store.js';

/**
 * Starts the writer, waits for `minCommits` durable writes, then SIGKILLs it `delayMs` after the
 * next file write has begun (the writer pauses 400 ms half-way through every file write).
 */
async function killMidWrite(dir: string, minCommits: number, delayMs: number): Promise<{ items: number; papers: number }[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/crash-writer.ts', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const commits: { items: number; papers: number }[] = [];
  let buf = '';
  let armed = false;
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited early: ${code}`))));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l === 'writing') {
          if (commits.length >= minCommits && !armed) {
            armed = true;
            setTimeout(() => child.kill('SIGKILL'), delayMs);
          }
          continue;
        }
        const [, items, papers] = l.split(' ');
        commits.push({ items: Number(items), papers: Number(papers) });
      }
    });
  });
  return commits;
}

describe('crash safety (a real child process killed with SIGKILL mid-write)', () => {
  it('reloads the last good state of the vector index and the library, never an empty or corrupt one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperbot-crash-'));
    try {
      // Several kills at different moments of the write cycle; each run resumes from what survived.
      for (const [minCommits, delay] of [
        [2, 0],
        [1, 150],
        [1, 300],
      ] as const) {
        const before = await VectraStore.open(path.join(dir, 'vectors'), new FakeEmbeddings());
        const startItems = await before.size();
        const commits = await killMidWrite(dir, minCommits, delay);
        const last = commits[commits.length - 1]!;

        const vectors = await VectraStore.open(path.join(dir, 'vectors'), new FakeEmbeddings(), (m) => {
          throw new Error(`index was corrupt: ${m}`);
        });
        const items = await vectors.size();
        // Killed half-way through writing a file: the last acknowledged state survives, exactly.
        expect(items).toBe(last.items);
        expect(items).toBeGreaterThan(startItems);
        const store = new PaperStore(await openDb({ DATA_DIR: dir }));
        expect(await store.count()).toBe(last.papers);
        await store.close();
        // No temp files left to be mistaken for an index.
        expect(fs.readdirSync(path.join(dir, 'vectors')).filter((f) => !f.startsWith('.'))).toEqual(['index.pb']);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
