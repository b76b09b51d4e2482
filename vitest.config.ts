import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers; two workers match the 2-core machines.
    maxWorkers: 2,
    env: { WITNESS_FROM_SOURCE: '1' },
  },
});
