import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'subgraphs/*/src/**/*.test.ts'],
    // One embedded PostgreSQL and one running platform serve every spec file.
    globalSetup: ['tests/global-setup.ts'],
    setupFiles: ['tests/coverage-flush.ts'],
    env: { NODE_ENV: 'test' },
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Two cores: two workers keep the database and the services from starving each other.
    maxWorkers: 2,
  },
});
