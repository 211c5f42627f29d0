import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

/** The subgraphs, their schema files and the URLs the composed supergraph names by default. */
export const SUBGRAPHS = [
  { name: 'identity', schema: '../../subgraphs/identity/src/schema.graphql', url: 'http://127.0.0.1:4001/graphql' },
  { name: 'publishers', schema: '../../subgraphs/publishers/src/schema.graphql', url: 'http://127.0.0.1:4002/graphql' },
  { name: 'catalog', schema: '../../subgraphs/catalog/src/schema.graphql', url: 'http://127.0.0.1:4003/graphql' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** Where a subgraph is when nothing says otherwise: the URL composed into the supergraph. */
export function composedUrlOf(name: SubgraphName): string {
  return SUBGRAPHS.find((s) => s.name === name)!.url;
}

export const SUPERGRAPH_FILE = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));

/** Composes the subgraphs' SDL as it is on disk; throws with every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs: parse(readFileSync(fileURLToPath(new URL(s.schema, import.meta.url)), 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(`Supergraph composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

export function readSupergraph(): string {
  return readFileSync(SUPERGRAPH_FILE, 'utf8');
}
