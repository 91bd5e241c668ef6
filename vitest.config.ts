import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Model-loading suites are CPU-heavy; two cores, so at most two files at once.
    maxWorkers: 2,
    // The process logger stays quiet in tests; tests that check logging inject their own logger.
    env: { LOG_LEVEL: 'silent' },
  },
});
