// Stub subgraphs for bench/gateway-peers.ts, in a process of their own: each answers a request it
// has seen before from memory, at once, and asks the real subgraph only the first time (a
// recording proxy). Gateways compared on these stubs pay for planning, calling and merging, and
// for nothing behind them. Keyed by the request's whole body: each gateway's planner writes its
// own subgraph operations, and each is recorded on its first sight.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

if (!process.send) throw new Error('run by bench/gateway-peers.ts only');

interface Recording {
  status: number;
  body: string;
}

async function serve(name: string, realUrl: string): Promise<number> {
  const recorded = new Map<string, Recording>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const known = recorded.get(body);
      const answer = known
        ? Promise.resolve(known)
        : fetch(realUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
            body,
          }).then(async (response) => {
            const recording = { status: response.status, body: await response.text() };
            recorded.set(body, recording);
            return recording;
          });
      answer.then(
        ({ status, body: text }) => {
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`${name}: ${String(error)}`);
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function serveAll(real: Record<string, string>): Promise<void> {
  const ports: Record<string, number> = {};
  for (const [name, url] of Object.entries(real)) ports[name] = await serve(name, url);
  process.send!({ ports });
  process.on('message', (message) => {
    if (message === 'stop') process.exit(0);
  });
}

process.once('message', (real: Record<string, string>) => void serveAll(real));
