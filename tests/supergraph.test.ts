import { describe, expect, it } from 'vitest';
import { composeSupergraph, readSupergraph } from '@platform/gateway';

describe('gateway/supergraph.graphql', () => {
  it("is what the subgraphs' SDL composes to (run `pnpm compose` after changing a schema)", () => {
    expect(readSupergraph()).toBe(composeSupergraph());
  });
});
