import { Client } from 'pg';
import type { TestProject } from 'vitest/node';
// @ts-expect-error: a plain ESM script (scripts/ is not part of the TypeScript project)
import { startPostgres, stopPostgres } from '../../scripts/test-postgres.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL (with pgvector) for this test run, or '' when PAPERBOT_TEST_POSTGRES=off. */
    postgresUrl: string;
  }
}

/**
 * The PostgreSQL + pgvector for the whole run: the one .ci/run started (PAPERBOT_TEST_DATABASE_URL,
 * a superuser URL; it must be reachable), or else a throwaway one started here on loopback
 * (scripts/test-postgres.mjs) and stopped after. Every backend test makes its own database in it.
 * PAPERBOT_TEST_POSTGRES=off skips the PostgreSQL half (reported as skipped, never as passed).
 */
export default async function setup(project: TestProject) {
  const given = process.env.PAPERBOT_TEST_DATABASE_URL;
  if (given) {
    const c = new Client(given);
    await c.connect(); // unreachable: the run fails here, with the reason
    await c.end();
    project.provide('postgresUrl', given);
    return;
  }
  if (process.env.PAPERBOT_TEST_POSTGRES === 'off') {
    project.provide('postgresUrl', '');
    return;
  }
  const pg = (await startPostgres()) as { url: string; dir: string };
  project.provide('postgresUrl', pg.url);
  return () => stopPostgres(pg.dir);
}
