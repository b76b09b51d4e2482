import { defineConfig } from 'vitest/config';

// Timeouts are generous on purpose: the suite must pass on a busy 2-core machine, where
// starting an engine or a browser can take many times longer than on an idle one. Tests
// wait on events; these limits only stop a test that is truly stuck.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Slow fault tests (decompression bombs against a spawned engine, a 200 MB stream) run
    // in `npm run faults` (vitest.faults.config.ts), not in `npm test`.
    exclude: ['**/node_modules/**', 'test/**/*.slow.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 20_000 } },
    // Integration tests start real servers; two workers match the 2-core machines.
    maxWorkers: 2,
    env: { WITNESS_FROM_SOURCE: '1' },
  },
});
