import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
// @ts-expect-error: a plain ESM script (scripts/ is not part of the TypeScript project)
import { pgCtl, startPostgres, stopPostgres } from '../scripts/test-postgres.mjs';
import { startTestBot, type TestBot } from './helpers/bot.js';

// PostgreSQL restarted under a running bot: questions during the outage get a clear "try again in a
// moment", nothing crashes, and the bot recovers by itself (queries and leadership) once it is back.
describe.skipIf(!inject('postgresUrl'))('PostgreSQL restarted while the bot runs', () => {
  let server: { url: string; dir: string; port: number };
  let t: TestBot;
  beforeAll(async () => {
    server = await startPostgres();
    t = await startTestBot({ DATABASE_URL: server.url }, { timers: false });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    if (server) stopPostgres(server.dir);
  }, 60_000);

  const ask = async (question: string) => {
    const i = t.discord.command('ask', [{ name: 'question', type: 3, value: question }]);
    const reply = await t.discord.waitFor(
      (c) =>
        (c.method === 'PATCH' && c.path.includes(`/${i.token}/messages/`)) ||
        (c.method === 'POST' && c.path.includes(`/webhooks/`) && c.path.includes(i.token)),
      30_000,
    );
    return JSON.stringify(reply.body);
  };

  it('answers, then says "try again in a moment" while the database is down, then answers again by itself', async () => {
    expect(t.app.leader.isLeader).toBe(true);
    expect(await ask('What is LAION-5B?')).toMatch(/LAION-5B/);

    pgCtl(server.dir, 'stop', server.port);
    const during = await ask('What is dataset distillation?');
    expect(during).toMatch(/briefly unavailable.*try again in a moment/);
    const dm = t.discord.directMessage('What is CLIP?');
    const dmReply = await t.discord.waitFor((c) => c.method === 'POST' && c.path === `/channels/${dm.channelId}/messages`, 30_000);
    expect(dmReply.body.content).toMatch(/try again in a moment/);
    // The daily-post tick fails quietly (logged) instead of crashing the process.
    await expect(t.bot.scheduler.runDue()).rejects.toThrow();

    pgCtl(server.dir, 'start', server.port);
    let answer = '';
    for (let i = 0; i < 10 && !/Dataset Distillation/i.test(answer); i++) {
      answer = await ask('What is dataset distillation?');
      if (!/Dataset Distillation/i.test(answer)) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(answer).toMatch(/distillation/i);
    // Leadership comes back too (the lock went with the old connection; retried every 5 s).
    for (let i = 0; i < 20 && !t.app.leader.isLeader; i++) await new Promise((r) => setTimeout(r, 500));
    expect(t.app.leader.isLeader).toBe(true);
  }, 120_000);
});
