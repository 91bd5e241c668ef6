import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configureLogging, createLogger } from '../src/log.js';

const sink = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write: (chunk, _enc, done) => {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
};

describe('logging', () => {
  it('writes short readable lines on a terminal and JSON lines otherwise, secrets redacted', () => {
    const tty = sink();
    const onTty = createLogger({ tty: true, destination: tty.stream });
    onTty.level = 'info';
    onTty.info({ token: 'secret-token' }, 'ready in 1.20 s');
    expect(tty.text()).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: ready in 1\.20 s/);
    expect(tty.text()).not.toContain('secret-token');
    expect(tty.text()).not.toContain('{"level"');

    const piped = sink();
    const onPipe = createLogger({ tty: false, destination: piped.stream });
    onPipe.level = 'info';
    onPipe.info({ token: 'secret-token' }, 'ready');
    const json = JSON.parse(piped.text()) as Record<string, unknown>;
    expect(json).toMatchObject({ level: 30, msg: 'ready', token: '[redacted]' });
  });

  it('applies the validated level; an interactive session is quiet at info unless a level was asked for', () => {
    const logger = createLogger({ tty: false, destination: sink().stream });
    configureLogging({ LOG_LEVEL: 'debug' }, {}, logger);
    expect(logger.level).toBe('debug');
    configureLogging({ LOG_LEVEL: 'info' }, { interactive: true, explicit: false }, logger);
    expect(logger.level).toBe('warn');
    configureLogging({ LOG_LEVEL: 'info' }, { interactive: true, explicit: true }, logger);
    expect(logger.level).toBe('info');
  });
});

describe('configuration', () => {
  it('reads booleans as people write them, and says what it expected otherwise', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(loadConfig({ REGISTER_COMMANDS: 'yes', ALLOW_REMOTE_MODELS: 'OFF' })).toMatchObject({ REGISTER_COMMANDS: true, ALLOW_REMOTE_MODELS: false });
    expect(loadConfig({ REGISTER_COMMANDS: '', ALLOW_REMOTE_MODELS: '' })).toMatchObject({ REGISTER_COMMANDS: false, ALLOW_REMOTE_MODELS: true });
    expect(() => loadConfig({ REGISTER_COMMANDS: 'maybe' })).toThrow(/REGISTER_COMMANDS: Invalid option: expected one of "true"\|"1"/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
