import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { shutdownDeadline, stopRequested } from '../src/start.js';

describe('stopping a bot process', () => {
  it('a shard stops when its manager’s IPC channel closes, as on SIGTERM', async () => {
    const shard = Object.assign(new EventEmitter(), { send: () => true }) as unknown as NodeJS.Process;
    const stopped = stopRequested(shard);
    shard.emit('disconnect');
    expect(await stopped).toBe('the shard manager is gone');
    // The manager died before the shard got this far: the closed channel is noticed at once.
    const late = Object.assign(new EventEmitter(), { send: () => true, connected: false }) as unknown as NodeJS.Process;
    expect(await stopRequested(late)).toBe('the shard manager is gone');
    const plain = new EventEmitter() as unknown as NodeJS.Process;
    const byTerm = stopRequested(plain);
    plain.emit('SIGTERM');
    expect(await byTerm).toBe('SIGTERM');
  });

  it('a shutdown that hangs exits anyway after the deadline, saying what was cut short', async () => {
    const logged: { obj: Record<string, unknown>; msg: string }[] = [];
    const exits: number[] = [];
    const push = (obj: Record<string, unknown>, msg: string) => void logged.push({ obj, msg });
    const logger = { error: push, warn: push } as never;
    const d = shutdownDeadline(30, logger, (code) => exits.push(code));
    d.step('closing the Discord gateway');
    await new Promise((r) => setTimeout(r, 80));
    expect(exits).toEqual([1]);
    expect(logged[0]!.obj.cutShort).toBe('closing the Discord gateway');
    expect(logged[0]!.msg).toMatch(/did not finish within 0.03 s/);
    const finished = shutdownDeadline(30, logger, (code) => exits.push(code));
    finished.done();
    await new Promise((r) => setTimeout(r, 80));
    expect(exits).toEqual([1]); // closed in time: the deadline does not fire…
    await new Promise((r) => setTimeout(r, 1100));
    expect(exits).toEqual([1, 0]); // …but a process that still lingers a second later is ended, with code 0
    expect(logged.at(-1)!.msg).toMatch(/kept the process alive/);
  });
});
