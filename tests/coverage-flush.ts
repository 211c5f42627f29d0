import v8 from 'node:v8';
import { afterAll } from 'vitest';

// Under `pnpm test` every process writes its V8 coverage when it exits, but vitest ends its
// workers with a signal, which writes nothing: each spec file writes what its worker ran so far.
afterAll(() => {
  if (process.env.NODE_V8_COVERAGE) v8.takeCoverage();
});
