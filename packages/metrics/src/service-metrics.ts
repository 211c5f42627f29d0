import { timingSafeEqual } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Distinct operation names one service keeps as labels; the rest count as "other". */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/**
 * An operation's name as the platform records it (metrics, usage, security events): clients
 * choose names, so an unnamed one is "anonymous" and one that is not a GraphQL name of at most
 * 100 characters "invalid".
 */
export function recordedOperationName(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  return OPERATION_NAME.test(name) ? name : 'invalid';
}
/** Seconds: from a cached read to a slow mutation or a subgraph that times out. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One service's Prometheus metrics, in a registry of its own (a spec runs every service in one
 * process), labelled with the service's name: GraphQL requests, errors and latency per
 * operation, and whatever the service adds (pool, caches, outbox) as gauges read at scrape time.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly errors: Counter<'operation' | 'code'>;
  private readonly duration: Histogram<'operation'>;
  private readonly operationNames = new Set<string>();

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL requests answered, by operation name and outcome (success, or error when any error was answered)',
      labelNames: ['operation', 'outcome'],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors answered, by operation name and extensions.code',
      labelNames: ['operation', 'code'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'Time from a GraphQL request received to its response, by operation name',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /**
   * An operation's name as a label: clients choose names, so a malformed one is "invalid", an
   * unnamed one "anonymous", and names beyond the first 200 "other": a client cannot grow the
   * series without bound.
   */
  operationLabel(name: string | null | undefined): string {
    const recorded = recordedOperationName(name);
    // "anonymous" and "invalid" are labels of their own, never counted among the 200.
    if (recorded !== name || this.operationNames.has(recorded)) return recorded;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(recorded);
    return recorded;
  }

  /** Times and counts every GraphQL request of an Apollo Server, with its errors by code. */
  plugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => {
        const started = process.hrtime.bigint();
        return {
          willSendResponse: async ({ request, operationName, response }) => {
            const operation = this.operationLabel(operationName ?? request.operationName);
            const body = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
            const errors = body.errors ?? [];
            this.duration.observe({ operation }, Number(process.hrtime.bigint() - started) / 1e9);
            this.requests.inc({ operation, outcome: errors.length ? 'error' : 'success' });
            for (const error of errors) this.errors.inc({ operation, code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
          },
        };
      },
    };
  }

  /**
   * Security events this service reported and the database kept, by kind (platform-wide: every
   * publisher's); and those dropped because too many were waiting to be written.
   */
  securityEventCounters() {
    return {
      kept: this.counter('security_events_total', 'Security events recorded, by kind (all publishers)', ['kind']),
      dropped: this.counter('security_events_dropped_total', 'Security events dropped while too many waited to be written', ['kind']),
    };
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  }

  /** A gauge whose values are read when Prometheus scrapes (a pool's connections, a backlog). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: (gauge: Gauge<L>) => Promise<void> | void): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await read(this);
      },
    });
  }

  /**
   * `GET /metrics` in Prometheus's text format. With a token configured (METRICS_TOKEN), only a
   * scraper that sends it as a bearer token is answered.
   */
  route(token: string | null) {
    return async (request: { headers: Record<string, string | string[] | undefined> }) => {
      if (token && !bearerMatches(request.headers.authorization, token)) {
        return { status: 401, body: { error: 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>' } };
      }
      return { status: 200, body: await this.registry.metrics(), contentType: this.registry.contentType };
    };
  }
}

function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const presented = Buffer.from(value?.startsWith('Bearer ') ? value.slice(7) : '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
