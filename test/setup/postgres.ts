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
 * One throwaway PostgreSQL + pgvector for the whole run (scripts/test-postgres.mjs), on loopback.
 * Every backend test makes its own database in it. PAPERBOT_TEST_POSTGRES=off skips the PostgreSQL
 * half of the suite (it is then reported as skipped, never as passed); CI always runs it.
 */
export default async function setup(project: TestProject) {
  if (process.env.PAPERBOT_TEST_POSTGRES === 'off') {
    project.provide('postgresUrl', '');
    return;
  }
  const pg = (await startPostgres()) as { url: string; dir: string };
  project.provide('postgresUrl', pg.url);
  return () => stopPostgres(pg.dir);
}
