// Hive Gateway with the Rust query planner (Hive Router's runtime), for bench/gateway-peers.ts,
// in a process of its own: the peer the project's gateway is measured against, on the same
// supergraph and the same stub subgraphs. It passes the caller's token on, as ours does; it
// checks nothing itself. A package of its own: its typings (graphql-yoga's) would clash with
// Apollo's in the bench's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

if (!process.send) throw new Error('run by bench/gateway-peers.ts only');

async function serve({ supergraph, deduplicate }: { supergraph: string; deduplicate: boolean }): Promise<void> {
  const gateway = createGatewayRuntime({
    supergraph,
    unifiedGraphHandler,
    // On by default: identical subgraph queries in flight at once share one call.
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: deduplicate } } },
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
    },
  });
  const server = http.createServer((req, res) => void gateway(req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ port: (server.address() as AddressInfo).port });
  process.on('message', (message) => {
    if (message === 'stop') process.exit(0);
  });
}

process.once('message', (setup: { supergraph: string; deduplicate: boolean }) => void serve(setup));
