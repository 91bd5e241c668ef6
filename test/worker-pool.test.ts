import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/retrieval/encoders/worker-job.js';

// A stand-in worker: doubles numbers, slowly; exits without a word on a negative number, reports an error on NaN.
const SCRIPT = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ n }) => {
  await new Promise((r) => setTimeout(r, 20));
  if (n < 0) process.exit(3);
  if (Number.isNaN(n)) return parentPort.postMessage({ error: 'not a number' });
  parentPort.postMessage({ value: n * 2 });
});`;
const start = () => new Worker(SCRIPT, { eval: true });
const pick = (r: { value: number }) => r.value;

describe('WorkerPool', () => {
  it('spreads jobs over the workers and returns results in job order', async () => {
    const pool = new WorkerPool(2, start, 5000);
    const out = await pool.run(
      Array.from({ length: 9 }, (_, n) => ({ n })),
      pick,
    );
    expect(out).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
    expect(pool.threads).toHaveLength(2);
    await pool.dispose();
    expect(pool.threads).toHaveLength(0);
  });

  it('a worker that exits mid-job fails the run with a clear error instead of hanging, and the pool starts afresh', async () => {
    const pool = new WorkerPool(2, start, 5000);
    const jobs = [{ n: 1 }, { n: 2 }, { n: -1 }, { n: 4 }, { n: 5 }, { n: 6 }];
    await expect(pool.run(jobs, pick)).rejects.toThrow(/worker thread exited \(code 3\) before finishing its job/);
    expect(pool.threads).toHaveLength(0);
    expect(await pool.run([{ n: 21 }], pick)).toEqual([42]);
    await pool.dispose();
  });

  it("a worker's reported error fails the run with that message", async () => {
    const pool = new WorkerPool(1, start, 5000);
    await expect(pool.run([{ n: Number.NaN }], pick)).rejects.toThrow('not a number');
    await pool.dispose();
  });

  it('stops idle workers after idleMs', async () => {
    const pool = new WorkerPool(1, start, 50);
    await pool.run([{ n: 1 }], pick);
    expect(pool.threads).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(pool.threads).toHaveLength(0);
  });

  it('overlapping runs wait their turn: each gets its own results, none is cut short by the idle timer', async () => {
    const pool = new WorkerPool(2, start, 30);
    const long = pool.run(
      Array.from({ length: 12 }, (_, n) => ({ n })),
      pick,
    );
    const short = pool.run([{ n: 50 }], pick);
    expect(await Promise.all([long, short])).toEqual([Array.from({ length: 12 }, (_, n) => 2 * n), [100]]);
    await pool.dispose();
  });
});
