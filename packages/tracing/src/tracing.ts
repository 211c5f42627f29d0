import type http from 'node:http';
import { createRequire } from 'node:module';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { PrismaInstrumentation } from '@prisma/instrumentation';

const tracer = () => trace.getTracer('@platform/http');

export interface Tracing {
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Traces this process when OTEL_EXPORTER_OTLP_ENDPOINT is set (off otherwise: every span below is
 * then a no-op): W3C trace context in and out, the HTTP server's request spans, the Apollo
 * gateway's own spans (planning, each subgraph fetch), and Prisma's spans down to each SQL
 * statement, exported in batches over OTLP/HTTP. The exporter reads the standard OTEL_EXPORTER_OTLP_*
 * variables (endpoint, headers, timeout); OTEL_SERVICE_NAME overrides the service's name.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing | null {
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    (env.OTEL_EXPORTER_OTLP_ENDPOINT && `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`);
  if (!url) return null;
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || service }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url }),
        ...(Number.isInteger(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {}),
      }),
    ],
  });
  // Registered through the API's CommonJS instance, the one the Apollo gateway (CommonJS)
  // requires. It took its tracer when it was loaded, from that instance's proxy provider; only
  // that proxy, once registered, hands the provider to tracers taken before. Our ES module
  // instance finds the same globals.
  const api = createRequire(import.meta.url)('@opentelemetry/api') as typeof import('@opentelemetry/api');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  const prisma = new PrismaInstrumentation();
  prisma.setTracerProvider(provider);
  prisma.enable();
  return {
    shutdown: async () => {
      prisma.disable();
      await provider.shutdown();
    },
  };
}

/**
 * Runs the handling of one HTTP request in a server span, a child of the caller's trace when the
 * request carries a `traceparent` (the gateway's subgraph calls do).
 */
export function inServerSpan<T>(req: http.IncomingMessage, res: http.ServerResponse, work: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), req.headers);
  const path = (req.url ?? '/').split('?')[0]!;
  return tracer().startActiveSpan(
    `${req.method ?? 'GET'} ${path}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path } },
    parent,
    async (span) => {
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      return work();
    },
  );
}

/** Adds the active trace's `traceparent` to an outgoing request's headers. */
export function injectTraceContext(headers: { set(name: string, value: string): unknown }): void {
  propagation.inject(context.active(), headers, { set: (carrier, name, value) => carrier.set(name, value) });
}

/** The active trace's id, for log lines; undefined when nothing is traced. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
