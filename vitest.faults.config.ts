import { defineConfig } from 'vitest/config';

// `npm run faults`: the whole fault suite, slow tests included (test/faults/*.slow.test.ts,
// which `npm test` leaves out). Same settings as vitest.config.ts otherwise; not merged
// with it, because merging would concatenate its exclude list.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    expect: { poll: { timeout: 20_000 } },
    maxWorkers: 2,
    env: { WITNESS_FROM_SOURCE: '1' },
  },
});
