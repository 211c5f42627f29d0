import path from 'node:path';
import { DEFAULT_TOKEN_SETTINGS, type TokenSettings } from '@platform/auth';

/** How much of one service a single publisher may hold at once (README "Fairness between publishers"). */
export interface LaneSettings {
  /** Requests of one publisher this service works on at the same time. */
  concurrency: number;
  /** Further requests of that publisher that may wait for a turn; beyond that, RATE_LIMITED. */
  queue: number;
  /** How long a request waits for its turn before it is answered RATE_LIMITED. */
  waitMs: number;
}

/** Requests per window the gateway takes from one caller of each kind; shared by every gateway instance. */
export interface RateLimitSettings {
  windowSeconds: number;
  perUser: number;
  perPublisher: number;
  /** Callers without a token, per address (sign-in, password reset, the schema). */
  perAnonymousAddress: number;
  /** Calls of one partner API key. */
  perPartnerKey: number;
}

/** What every service reads from the environment. README "Configuration" lists each variable. */
export interface ServiceConfig {
  production: boolean;
  host: string;
  /** Subgraphs refuse to start without one; the gateway keeps only its rate limits there. */
  databaseUrl: string | undefined;
  dbPoolSize: number;
  jwksUrl: string;
  tokens: TokenSettings;
  dataDir: string;
  trustedProxies: ReadonlySet<string> | 'all';
  /** Browser origins (scheme, host, port) the gateway answers cross-origin requests of. */
  corsOrigins: readonly string[];
  rateLimits: RateLimitSettings;
  /** What one publisher may hold of each subgraph at once. */
  lanes: LaneSettings;
  /** Identity's signing key from configuration (secret); null: the development ring under dataDir. */
  signingKey: { current: string; previous: string | undefined } | null;
  /** The web pages mails link to, with `?token=`. */
  links: { passwordReset: string; invitation: string };
  /** What the billing provider signs its webhook deliveries with; null: the webhook is off. */
  billingWebhookSecret: string | null;
  /** The bearer token /metrics asks of its scraper; null: /metrics is open. */
  metricsToken: string | null;
  /** How often security events and usage counts are written (they are buffered in between). */
  monitoringFlushMs: number;
  /**
   * Per-request monitoring: Prometheus request metrics, usage analytics, security events of
   * requests. Always on in the services; off only where a bench measures what it costs.
   */
  monitoring: boolean;
  /** Where the gateway finds each subgraph, when not at the URLs composed into the supergraph. */
  subgraphUrls: Partial<Record<'identity' | 'publishers' | 'catalog', string>>;
  /** How long the gateway waits for a subgraph's answer before that subgraph's fields fail. */
  subgraphTimeoutMs: number;
  directory: DirectorySettings;
  events: EventSettings;
}

/** The relay that delivers the outbox to SQS (publishers runs it). */
export interface EventSettings {
  /** Whether this instance runs a relay; several are safe. */
  relay: boolean;
  sqs: {
    /** An SQS-compatible endpoint; null: AWS's own for the region. */
    endpoint: string | null;
    region: string;
    /** The FIFO queue; null: `publishing-events.fifo` is created at the endpoint. */
    queueUrl: string | null;
    dlqUrl: string | null;
  };
  /** How often an idle relay looks for new events. */
  pollMs: number;
  /** Refusals of one event by SQS after which it is parked as a dead letter. */
  maxAttempts: number;
  /** The longest wait between attempts (backoff doubles up to it, with jitter). */
  backoffMaxMs: number;
  /** Delivered events are kept this long, then deleted. */
  retentionDays: number;
}

/** Identity's connections to publishers' Active Directories. */
export interface DirectorySettings {
  /** Seals bind passwords (base64, 32 bytes); null: the development key under dataDir. */
  secretKey: { current: string; previous: string[] } | null;
  /** Connect and per-operation timeout. */
  timeoutMs: number;
  /** Connection failures in a row that open a directory's circuit, and how long it stays open. */
  breakerFailures: number;
  breakerOpenSeconds: number;
  /** How often the scheduler looks for directories due a sync; 0 turns it off. */
  syncPollSeconds: number;
}

export class ConfigurationError extends Error {}

export function readServiceConfig(env: NodeJS.ProcessEnv, root: string): ServiceConfig {
  const production = env.NODE_ENV === 'production';
  const required = (name: string, developmentDefault: string): string => {
    const value = env[name];
    if (value) return value;
    if (production) throw new ConfigurationError(`${name} must be set when NODE_ENV=production`);
    return developmentDefault;
  };
  const dbPoolSize = positiveInteger(env, 'DB_POOL_SIZE', 10);
  return {
    production,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL,
    dbPoolSize,
    jwksUrl: required('AUTH_JWKS_URL', `http://127.0.0.1:${env.IDENTITY_PORT ?? 4001}/.well-known/jwks.json`),
    tokens: { issuer: env.AUTH_ISSUER ?? DEFAULT_TOKEN_SETTINGS.issuer, audience: env.AUTH_AUDIENCE ?? DEFAULT_TOKEN_SETTINGS.audience },
    dataDir: env.DATA_DIR ?? path.join(root, '.data'),
    trustedProxies: trustedProxiesFrom(env),
    corsOrigins: originsFrom(env, 'CORS_ORIGINS'),
    rateLimits: {
      windowSeconds: positiveInteger(env, 'RATE_LIMIT_WINDOW_SECONDS', 1),
      perUser: positiveInteger(env, 'RATE_LIMIT_PER_USER', 20),
      perPublisher: positiveInteger(env, 'RATE_LIMIT_PER_PUBLISHER', 100),
      perAnonymousAddress: positiveInteger(env, 'RATE_LIMIT_PER_ANONYMOUS_ADDRESS', 20),
      perPartnerKey: positiveInteger(env, 'RATE_LIMIT_PER_PARTNER_KEY', 20),
    },
    lanes: {
      // Half the pool: a publisher flooding a subgraph leaves about half of it to everyone else
      // (about: a request whose root fields run in parallel holds a connection for each).
      concurrency: positiveInteger(env, 'PUBLISHER_CONCURRENCY', Math.max(1, Math.floor(dbPoolSize / 2))),
      queue: positiveInteger(env, 'PUBLISHER_QUEUE', 50),
      waitMs: positiveInteger(env, 'PUBLISHER_QUEUE_WAIT_MS', 5_000),
    },
    signingKey: env.AUTH_SIGNING_KEY ? { current: env.AUTH_SIGNING_KEY, previous: env.AUTH_PREVIOUS_KEYS } : null,
    links: {
      passwordReset: env.PASSWORD_RESET_URL ?? 'http://localhost:3000/reset-password',
      invitation: env.INVITATION_URL ?? 'http://localhost:3000/accept-invitation',
    },
    directory: {
      secretKey: env.DIRECTORY_SECRET_KEY
        ? {
            current: env.DIRECTORY_SECRET_KEY,
            previous: (env.DIRECTORY_PREVIOUS_SECRET_KEYS ?? '')
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean),
          }
        : null,
      timeoutMs: positiveInteger(env, 'DIRECTORY_TIMEOUT_MS', 3_000),
      breakerFailures: positiveInteger(env, 'DIRECTORY_BREAKER_FAILURES', 3),
      breakerOpenSeconds: positiveInteger(env, 'DIRECTORY_BREAKER_OPEN_SECONDS', 30),
      syncPollSeconds: nonNegativeInteger(env, 'DIRECTORY_SYNC_POLL_SECONDS', 60),
    },
    events: eventSettingsFrom(env, production),
    billingWebhookSecret: env.BILLING_WEBHOOK_SECRET || null,
    metricsToken: env.METRICS_TOKEN || null,
    monitoringFlushMs: positiveInteger(env, 'MONITORING_FLUSH_MS', 1_000),
    monitoring: true,
    subgraphUrls: {
      ...(env.IDENTITY_URL ? { identity: env.IDENTITY_URL } : {}),
      ...(env.PUBLISHERS_URL ? { publishers: env.PUBLISHERS_URL } : {}),
      ...(env.CATALOG_URL ? { catalog: env.CATALOG_URL } : {}),
    },
    subgraphTimeoutMs: positiveInteger(env, 'SUBGRAPH_TIMEOUT_MS', 30_000),
  };
}

function eventSettingsFrom(env: NodeJS.ProcessEnv, production: boolean): EventSettings {
  const relay = (env.EVENTS_RELAY ?? 'on') !== 'off';
  if (!['on', 'off', undefined].includes(env.EVENTS_RELAY)) throw new ConfigurationError('EVENTS_RELAY must be "on" or "off"');
  return {
    relay,
    sqs: {
      endpoint: env.SQS_ENDPOINT || (production ? null : 'http://127.0.0.1:4566'),
      region: env.AWS_REGION || 'us-east-1',
      queueUrl: env.SQS_QUEUE_URL || null,
      dlqUrl: env.SQS_DLQ_URL || null,
    },
    pollMs: positiveInteger(env, 'EVENTS_RELAY_POLL_MS', 100),
    maxAttempts: positiveInteger(env, 'EVENTS_RELAY_MAX_ATTEMPTS', 8),
    backoffMaxMs: positiveInteger(env, 'EVENTS_RELAY_BACKOFF_MAX_MS', 10_000),
    retentionDays: positiveInteger(env, 'EVENTS_RETENTION_DAYS', 7),
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, least: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < least) {
    throw new ConfigurationError(`${name} must be a whole number of at least ${least} (got "${raw}")`);
  }
  return value;
}

const positiveInteger = (env: NodeJS.ProcessEnv, name: string, fallback: number) => wholeNumber(env, name, fallback, 1);
const nonNegativeInteger = (env: NodeJS.ProcessEnv, name: string, fallback: number) => wholeNumber(env, name, fallback, 0);

export function portOf(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const port = Number(env[name] ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigurationError(`${name} must be a port number`);
  return port;
}

/** A comma-separated list of origins, each as a browser sends it: `https://app.example.com`. */
function originsFrom(env: NodeJS.ProcessEnv, name: string): string[] {
  const origins = (env[name] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigurationError(
        `${name} must list origins such as https://app.example.com, without a path or trailing slash (got "${origin}")`,
      );
    }
  }
  return origins;
}

const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

/**
 * Which peers may tell us the client's address in X-Forwarded-For: the gateway in front of a
 * subgraph, a load balancer in front of the gateway. TRUSTED_PROXIES is a comma-separated list
 * of addresses, or `*` on a private network where only proxies can reach the service.
 */
export function trustedProxiesFrom(env: NodeJS.ProcessEnv): ReadonlySet<string> | 'all' {
  const value = env.TRUSTED_PROXIES?.trim();
  if (value === '*') return 'all';
  return new Set(
    value
      ? value
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : LOOPBACK,
  );
}
