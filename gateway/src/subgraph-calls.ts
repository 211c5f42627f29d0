import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { Agent, type Dispatcher } from 'undici';

/**
 * The gateway's HTTP client for subgraph calls, as the fetcher of Apollo's data sources: undici's
 * own request API on a keep-alive pool per subgraph, which costs a fraction of `fetch` (no WHATWG
 * Request and Response, no web streams; `pnpm bench gateway-peers`). Every call has a deadline:
 * a subgraph that keeps silent fails its fields instead of holding the request.
 */
export class SubgraphCalls {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000 });
  /** Each subgraph URL split once: there are three, and every call names one. */
  private readonly targets = new Map<string, { origin: string; path: string }>();

  constructor(private readonly timeoutMs: number) {}

  readonly fetcher: Fetcher = async (url: string, init: FetcherRequestInit = {}) => {
    const { origin, path } = this.targetOf(url);
    const response = await this.agent.request({
      origin,
      path,
      // Apollo's data sources send POST.
      method: (init.method ?? 'POST') as Dispatcher.HttpMethod,
      headers: init.headers ?? {},
      body: init.body ?? null,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const one of Array.isArray(value) ? value : [value ?? '']) headers.append(name, one);
    }
    return new SubgraphResponse(url, response.statusCode, headers, await response.body.text());
  };

  close(): Promise<void> {
    return this.agent.close();
  }

  private targetOf(url: string): { origin: string; path: string } {
    let target = this.targets.get(url);
    if (!target) {
      const { origin, pathname, search } = new URL(url);
      target = { origin, path: pathname + search };
      this.targets.set(url, target);
    }
    return target;
  }
}

/** A subgraph's answer, read whole: what Apollo's data source reads of a fetch Response. */
class SubgraphResponse implements FetcherResponse {
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly statusText = '';

  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: Headers,
    private readonly body: string,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): Promise<string> {
    return Promise.resolve(this.body);
  }

  json(): Promise<unknown> {
    return Promise.resolve().then(() => JSON.parse(this.body) as unknown);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(new TextEncoder().encode(this.body).buffer as ArrayBuffer);
  }

  clone(): SubgraphResponse {
    return new SubgraphResponse(this.url, this.status, this.headers, this.body);
  }
}

/** Connection failures undici reports by code: the subgraph is down, restarting or unreachable. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * How a subgraph call failed when no answer came: the subgraph refused the connection or dropped
 * it (killed, restarting, a network fault), or kept silent past the deadline. null: the failure
 * was something else (a refusal it answered, a body that was not JSON), which stays internal.
 */
export function unreachableReason(error: unknown): 'unreachable' | 'timeout' | null {
  if (!(error instanceof Error)) return null;
  if (error.name === 'TimeoutError') return 'timeout';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code) ? 'unreachable' : null;
}
