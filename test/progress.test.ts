import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.js';

describe('ingest progress', () => {
  it('logs plain lines every 10 % when the stream is not a terminal', () => {
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m) } as never;
    const p = createProgress('embedding', log, new PassThrough() as unknown as NodeJS.WriteStream);
    p.start(100);
    for (let i = 1; i <= 100; i++) p.update(i);
    p.stop();
    expect(lines[0]).toBe('embedding: 0/100 passages');
    expect(lines).toContain('embedding: 50/100 passages (50%)');
    expect(lines.at(-1)).toBe('embedding: done');
    expect(lines.length).toBeLessThanOrEqual(12);
  });

  it('draws a cli-progress bar on a terminal', () => {
    const out = new PassThrough() as unknown as NodeJS.WriteStream & {
      isTTY: boolean;
      columns: number;
      cursorTo(): boolean;
      clearLine(): boolean;
      moveCursor(): boolean;
    };
    let written = '';
    out.isTTY = true;
    out.columns = 120;
    out.cursorTo = () => true;
    out.clearLine = () => true;
    out.moveCursor = () => true;
    (out as unknown as PassThrough).on('data', (d: Buffer) => (written += d.toString()));
    const p = createProgress('embedding', { info: () => {} } as never, out);
    p.start(10);
    p.update(5);
    p.stop();
    expect(written).toMatch(/embedding \[.*\] \d+\/10 passages/);
  });
});
