import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import cors, { type CorsOptions } from 'cors';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextThunk } from '@apollo/server';
import type { Logger } from 'pino';
import { requestIdFrom, runInRequestScope } from '@platform/service';
import { inServerSpan } from '@platform/tracing';

export type { CorsOptions };

/** Larger GraphQL bodies are refused before parsing; partners' persisted queries are far smaller. */
const MAX_BODY_BYTES = 1_000_000;

export interface RouteResponse {
  status: number;
  /** Sent as JSON, unless `contentType` says what the string it then is holds (a page). */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Sent instead of `body`, chunk by chunk as the client takes them (an export). */
  stream?: AsyncIterable<string | Uint8Array>;
}
export type Route = (request: http.IncomingMessage) => Promise<RouteResponse> | RouteResponse;
/** A POST route beside /graphql that reads its own body as sent (a signed webhook checks its bytes). */
export type PostRoute = (request: http.IncomingMessage, body: string) => Promise<RouteResponse>;

export interface ServeOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  port: number;
  host?: string;
  /**
   * Builds a request's context. What it holds for the request (a turn in its publisher's lane)
   * it hands to `whenDone`, which gives it back once the response is sent or the request failed.
   */
  context: (request: http.IncomingMessage, whenDone: (release: () => void) => void) => Promise<TContext>;
  /**
   * Runs on a GraphQL request's parsed body before Apollo does; may rewrite the body (a partner's
   * operation id into its registered text). What it returns is the whole answer.
   */
  admit?: (request: http.IncomingMessage, body: unknown) => Promise<RouteResponse | null>;
  /** Runs before a GraphQL request's body is read; what it returns is the whole answer. */
  refuseEarly?: (request: http.IncomingMessage) => Promise<RouteResponse | null>;
  /** GET routes beside /graphql, e.g. /health or /.well-known/jwks.json. */
  routes?: Record<string, Route>;
  postRoutes?: Record<string, PostRoute>;
  /** Work after Apollo has started and before the port opens (the gateway warms its query plans). */
  beforeListening?: () => Promise<void>;
  /** Which browser origins may call, for a service that browsers reach (the gateway); none when unset. */
  cors?: CorsOptions;
  log: Logger;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 3_000;

/**
 * A plain node:http front for Apollo Server: /graphql goes to Apollo through its integration API,
 * the other routes are small JSON answers. No web framework is needed for that much.
 */
export async function serveGraphQL<TContext extends BaseContext>(options: ServeOptions<TContext>): Promise<RunningHttpServer> {
  const { apollo, log } = options;
  await apollo.start();
  await options.beforeListening?.();
  const server = http.createServer((req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    void runInRequestScope({ requestId }, () =>
      inServerSpan(req, res, () => handle(options, req, res)).catch((error) => {
        log.error({ err: error }, 'request failed outside GraphQL');
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
        // Mid-stream: cut the connection, so that the client sees a broken transfer, not a short file.
        else res.destroy();
      }),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: async () => {
      server.closeIdleConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Requests in flight get a few seconds to finish; a shutdown never waits on them for ever.
      const deadline = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(deadline);
      await apollo.stop();
    },
  };
}

async function handle<TContext extends BaseContext>(
  options: ServeOptions<TContext>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (options.cors && !(await passCors(options.cors, req, res))) return;
  const route = options.routes?.[url.pathname];
  if (route && req.method === 'GET') {
    await send(res, await route(req));
    return;
  }
  const postRoute = options.postRoutes?.[url.pathname];
  if (postRoute && req.method === 'POST') {
    const body = await readBody(req);
    await send(
      res,
      body === TOO_LARGE ? { status: 413, body: { error: `Bodies are limited to ${MAX_BODY_BYTES} bytes` } } : await postRoute(req, body),
    );
    return;
  }
  if (url.pathname !== '/graphql' && url.pathname !== '/') {
    sendJson(res, 404, { error: `No route ${url.pathname}` });
    return;
  }
  const refusal = await options.refuseEarly?.(req);
  if (refusal) {
    sendJson(res, refusal.status, refusal.body, refusal.headers);
    return;
  }
  const body = await readBody(req);
  if (body === TOO_LARGE) {
    sendJson(res, 413, {
      errors: [{ message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes`, extensions: { code: 'BAD_REQUEST' } }],
    });
    return;
  }
  const parsed = parseJson(body, new Map([['content-type', req.headers['content-type'] ?? '']]));
  const refused = await options.admit?.(req, parsed);
  if (refused) {
    sendJson(res, refused.status, refused.body, refused.headers);
    return;
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const releases: (() => void)[] = [];
  const context: ContextThunk<TContext> = () => options.context(req, (release) => releases.push(release));
  try {
    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body: parsed },
      context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      if (isRequestErrorUnderPlainJson(res.statusCode, response.headers, response.body.string)) res.statusCode = 200;
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  } finally {
    for (const release of releases) release();
  }
}

/** Errors of a well-formed request that the GraphQL-over-HTTP spec answers with 200 under application/json. */
const ANSWERED_WITH_200 = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * Apollo Server answers a document that fails to parse or validate, and variables that fail to
 * coerce, with HTTP 400 whatever the client accepts. The GraphQL-over-HTTP spec keeps 400 for
 * `application/graphql-response+json` only: a legacy `application/json` client gets 200 and reads
 * the errors, as it would for any other GraphQL error. Refusals of the request itself (a body that
 * is not JSON, a missing query, a refused token) keep their status.
 */
function isRequestErrorUnderPlainJson(status: number, headers: HeaderMap, body: string): boolean {
  if (status !== 400 || !(headers.get('content-type') ?? '').startsWith('application/json')) return false;
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
    const errors = parsed.errors ?? [];
    return parsed.data === undefined && errors.length > 0 && errors.every((e) => ANSWERED_WITH_200.has(String(e.extensions?.code)));
  } catch {
    return false;
  }
}

/**
 * Sets the CORS headers of an allowed origin; answers a preflight itself (false: the response is
 * sent). An origin off the list gets no Access-Control-Allow-Origin, so its browser refuses to
 * hand the response to the page.
 */
function passCors(options: CorsOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
  const middleware = cors({ ...options, optionsSuccessStatus: 204, preflightContinue: false });
  return new Promise((resolve, reject) => {
    res.once('finish', () => resolve(false));
    middleware(req, res, (error?: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(true)));
  });
}

const TOO_LARGE = Symbol('too large');

async function readBody(req: http.IncomingMessage): Promise<string | typeof TOO_LARGE> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(body: string, headers: Map<string, string>): unknown {
  if (!body) return undefined;
  if (!(headers.get('content-type') ?? '').includes('json')) return body;
  try {
    return JSON.parse(body);
  } catch {
    return body; // Apollo answers 400 for a body it cannot read as an operation
  }
}

async function send(res: http.ServerResponse, answer: RouteResponse): Promise<void> {
  if (answer.stream) {
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/octet-stream', ...answer.headers });
    // Written as fast as the client reads: a large export never piles up in memory. A client
    // that goes away ends the iteration (and whatever it holds) at its next chunk.
    for await (const chunk of answer.stream) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
    return;
  }
  if (answer.contentType) {
    res.writeHead(answer.status, { 'content-type': answer.contentType, ...answer.headers });
    res.end(answer.body as string);
  } else {
    sendJson(res, answer.status, answer.body, answer.headers);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** One request header as a string (the first, when a client repeats it), or null. */
export function requestHeader(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

const requestIds = new WeakMap<http.IncomingMessage, string>();

/**
 * The id this request is known by in every log line, every subgraph call and the audit log: the
 * X-Request-Id it came with when that is a plain token, or a new one. It is sent back in the
 * response's X-Request-Id.
 */
export function requestIdOf(req: http.IncomingMessage): string {
  let id = requestIds.get(req);
  if (!id) {
    id = requestIdFrom(requestHeader(req, 'x-request-id'));
    requestIds.set(req, id);
  }
  return id;
}
