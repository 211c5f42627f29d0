/**
 * Every environment variable the platform reads, described once. The README's configuration
 * table is rendered from this list (`pnpm docs:config`), and `tests/configuration.test.ts` fails
 * when the code reads a variable that is not here, when one here is read nowhere, or when the
 * README's table differs.
 */
export interface Setting {
  /** One variable, or several read the same way. */
  names: readonly string[];
  /** As a person would write it; "none" when unset means off. */
  default: string;
  usedBy: string;
  meaning: string;
  /** Never logged, never in an error message: passwords, keys, connection strings with passwords. */
  secret?: boolean;
}

export const SETTINGS: readonly Setting[] = [
  {
    names: ['NODE_ENV'],
    default: '`development`',
    usedBy: 'all',
    meaning:
      '`production`: no demo data, no generated keys, no introspection or Sandbox; `DATABASE_URL`, `AUTH_SIGNING_KEY` and `DIRECTORY_SECRET_KEY` required',
  },
  {
    names: ['DATABASE_URL'],
    default: 'embedded',
    usedBy: 'all services, `start`',
    meaning:
      "the services' login role (`platform_api`). Unset: `pnpm start` runs an embedded PostgreSQL. The gateway keeps only its shared rate-limit counts there (required in production; in development without it each gateway instance counts alone)",
    secret: true,
  },
  {
    names: ['DATABASE_OWNER_URL'],
    default: '`DATABASE_URL`',
    usedBy: '`start`, `db:migrate`',
    meaning: 'the table-owner role that runs migrations (`platform_owner`)',
    secret: true,
  },
  {
    names: ['DATABASE_ADMIN_URL'],
    default: 'embedded superuser',
    usedBy: '`db:bootstrap`, `db:seed`, `start`',
    meaning: 'a superuser, for creating roles and loading demo data',
    secret: true,
  },
  {
    names: ['EMBEDDED_POSTGRES_PORT'],
    default: '`5433`',
    usedBy: '`start`, `db:*`',
    meaning: 'port of the embedded PostgreSQL (127.0.0.1 only)',
  },
  {
    names: ['DATA_DIR'],
    default: '`.data/`',
    usedBy: '`start`, identity',
    meaning: 'embedded PostgreSQL data (`postgres/`) and the development signing key (`keys/`)',
  },
  { names: ['DB_POOL_SIZE'], default: '`10`', usedBy: 'subgraphs', meaning: 'connections per service instance' },
  {
    names: ['RATE_LIMIT_WINDOW_SECONDS'],
    default: '`1`',
    usedBy: 'gateway',
    meaning: 'length of the window the limits below count in',
  },
  {
    names: ['RATE_LIMIT_PER_USER'],
    default: '`20`',
    usedBy: 'gateway',
    meaning: 'requests one user may make per window, across all gateway instances',
  },
  {
    names: ['RATE_LIMIT_PER_PUBLISHER'],
    default: '`100`',
    usedBy: 'gateway',
    meaning: 'requests all members of one publisher may make per window',
  },
  {
    names: ['RATE_LIMIT_PER_ANONYMOUS_ADDRESS'],
    default: '`20`',
    usedBy: 'gateway',
    meaning: 'requests without a token (sign-in, reset, schema) from one address per window',
  },
  {
    names: ['RATE_LIMIT_PER_PARTNER_KEY'],
    default: '`20`',
    usedBy: 'gateway',
    meaning: "calls one partner API key may make per window (they count towards its publisher's limit too)",
  },
  {
    names: ['PUBLISHER_CONCURRENCY'],
    default: 'half of `DB_POOL_SIZE`',
    usedBy: 'subgraphs',
    meaning: 'requests of one publisher a subgraph instance works on at once',
  },
  {
    names: ['PUBLISHER_QUEUE'],
    default: '`50`',
    usedBy: 'subgraphs',
    meaning: 'further requests of that publisher that may wait for a turn; beyond, 429',
  },
  {
    names: ['PUBLISHER_QUEUE_WAIT_MS'],
    default: '`5000`',
    usedBy: 'subgraphs',
    meaning: 'how long a request waits for its turn before it is answered 429',
  },
  { names: ['HOST'], default: '`127.0.0.1`', usedBy: 'all services', meaning: 'address to listen on (`0.0.0.0` in containers)' },
  {
    names: ['GATEWAY_PORT', 'IDENTITY_PORT', 'PUBLISHERS_PORT', 'CATALOG_PORT'],
    default: '`4000`–`4003`',
    usedBy: 'services, `start`',
    meaning: 'ports',
  },
  {
    names: ['IDENTITY_URL', 'PUBLISHERS_URL', 'CATALOG_URL'],
    default: '`http://127.0.0.1:400N/graphql`',
    usedBy: 'gateway',
    meaning: 'where the subgraphs answer',
  },
  {
    names: ['SUBGRAPH_TIMEOUT_MS'],
    default: '`30000`',
    usedBy: 'gateway',
    meaning:
      "how long the gateway waits for a subgraph's answer; past it, or when the subgraph cannot be reached, that subgraph's fields fail with `SERVICE_UNAVAILABLE` and the rest of the answer stands",
  },
  {
    names: ['AUTH_JWKS_URL'],
    default: "identity's `/.well-known/jwks.json`",
    usedBy: 'gateway, publishers, catalog',
    meaning: 'where verifiers fetch signing keys (cached; refetched for an unknown `kid`)',
  },
  {
    names: ['AUTH_SIGNING_KEY'],
    default: 'the ring in `DATA_DIR/keys/`',
    usedBy: 'identity',
    meaning: 'private ES256 JWK with a `kid` (`pnpm keys:generate`); required in production',
    secret: true,
  },
  {
    names: ['AUTH_PREVIOUS_KEYS'],
    default: 'none',
    usedBy: 'identity',
    meaning: 'JSON array of the public JWKs replaced in the last 16 minutes (see "Signing keys")',
  },
  {
    names: ['METRICS_TOKEN'],
    default: 'none (open)',
    usedBy: 'all services',
    meaning:
      'when set, `GET /metrics` answers only a scraper that sends `Authorization: Bearer <token>`; set it in production, or keep the port off the public network',
    secret: true,
  },
  {
    names: ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    default: 'none (tracing off)',
    usedBy: 'all services',
    meaning:
      'where traces go by OTLP/HTTP (JSON), e.g. `http://collector:4318` (`/v1/traces` is added; the `_TRACES_` form is used as given); unset: no spans are made. The standard `OTEL_EXPORTER_OTLP_HEADERS` and `_TIMEOUT` apply (see "Tracing")',
  },
  {
    names: ['OTEL_SERVICE_NAME'],
    default: 'the service (gateway, identity, publishers, catalog)',
    usedBy: 'all services',
    meaning: 'the name traces carry as `service.name`',
  },
  {
    names: ['OTEL_BSP_SCHEDULE_DELAY'],
    default: '5000',
    usedBy: 'all services',
    meaning: 'milliseconds between two exports of finished spans',
  },
  {
    names: ['MONITORING_FLUSH_MS'],
    default: '1000',
    usedBy: 'all services',
    meaning:
      'how often a service writes the security events and usage counts it holds in memory (see "Security monitoring" and "Usage analytics"); a crash loses at most this much',
  },
  {
    names: ['BILLING_WEBHOOK_SECRET'],
    default: 'none (webhook off)',
    usedBy: 'publishers',
    meaning:
      'the secret the billing provider signs its webhook deliveries with (HMAC-SHA256, see "Billing webhook"); unset: `POST /webhooks/billing` answers 404',
    secret: true,
  },
  {
    names: ['DIRECTORY_SECRET_KEY'],
    default: 'a key made in `DATA_DIR/keys/`',
    usedBy: 'identity, `directory:sync`, `directory:rekey`',
    meaning:
      'seals the directories\' bind passwords (AES-256-GCM): 32 random bytes in base64 (`openssl rand -base64 32`); required in production (see "Directory secret key")',
    secret: true,
  },
  {
    names: ['DIRECTORY_PREVIOUS_SECRET_KEYS'],
    default: 'none',
    usedBy: 'identity, `directory:sync`, `directory:rekey`',
    meaning: 'comma-separated keys that still open passwords sealed before a rotation, until `pnpm directory:rekey` has re-sealed them',
    secret: true,
  },
  {
    names: ['DIRECTORY_TIMEOUT_MS'],
    default: '`3000`',
    usedBy: 'identity',
    meaning: 'connect and per-operation timeout towards a directory; a sign-in waits at most about twice this',
  },
  {
    names: ['DIRECTORY_BREAKER_FAILURES', 'DIRECTORY_BREAKER_OPEN_SECONDS'],
    default: '`3`, `30`',
    usedBy: 'identity',
    meaning:
      "connection failures in a row that open a directory's circuit, and how long sign-ins through it then fail at once (`DIRECTORY_UNAVAILABLE`) before one is let through to try",
  },
  {
    names: ['DIRECTORY_SYNC_POLL_SECONDS'],
    default: '`60`',
    usedBy: 'identity',
    meaning:
      "how often identity looks for directories due their scheduled sync (each directory's own interval, default 15 min); `0` turns the scheduler off in this instance",
  },
  {
    names: ['SQS_ENDPOINT'],
    default: '`http://127.0.0.1:4566` (development)',
    usedBy: 'publishers, `start`',
    meaning:
      "an SQS-compatible endpoint for events. Unset in development: `pnpm start` runs the embedded `fauxqs` there; unset in production: AWS's own endpoint for `AWS_REGION`, with the SDK's standard credentials chain",
  },
  {
    names: ['EMBEDDED_SQS_PORT'],
    default: '`4566`',
    usedBy: '`start`',
    meaning: 'port of the embedded SQS (fauxqs, 127.0.0.1 only) that `pnpm start` runs when `SQS_ENDPOINT` and `SQS_QUEUE_URL` are unset',
  },
  {
    names: ['AWS_REGION'],
    default: '`us-east-1`',
    usedBy: 'publishers',
    meaning:
      "the events queue's region (AWS credentials come from the SDK's standard chain: `AWS_ACCESS_KEY_ID`, profiles, instance roles)",
  },
  {
    names: ['SQS_QUEUE_URL', 'SQS_DLQ_URL'],
    default: 'created',
    usedBy: 'publishers, `start`',
    meaning:
      'the FIFO queue events go to and its FIFO dead-letter queue. Unset: `publishing-events.fifo` and `publishing-events-dlq.fifo` are created at `SQS_ENDPOINT`. Both are required in production while the relay runs',
  },
  {
    names: ['EVENTS_RELAY'],
    default: '`on`',
    usedBy: 'publishers',
    meaning: "whether this publishers instance runs an outbox relay; any number may (each claims other publishers' events)",
  },
  {
    names: ['EVENTS_RELAY_POLL_MS'],
    default: '`100`',
    usedBy: 'publishers',
    meaning: 'how often an idle relay looks for new events (a busy one goes on at once)',
  },
  {
    names: ['EVENTS_RELAY_MAX_ATTEMPTS', 'EVENTS_RELAY_BACKOFF_MAX_MS'],
    default: '`8`, `10000`',
    usedBy: 'publishers',
    meaning:
      "refusals of one event by SQS after which it is parked as a dead letter (its publisher's later events wait until then), and the longest wait between attempts (doubling from 100 ms, with jitter; also while SQS is unreachable)",
  },
  {
    names: ['EVENTS_RETENTION_DAYS'],
    default: '`7`',
    usedBy: 'publishers',
    meaning: 'delivered events are kept in the outbox this long, then deleted by the relay',
  },
  {
    names: ['TRUSTED_PROXIES'],
    default: '`127.0.0.1,::1,::ffff:127.0.0.1`',
    usedBy: 'all services',
    meaning:
      "peers whose `X-Forwarded-For` names the client (comma-separated addresses, or `*` on a network only proxies reach); login throttling and the anonymous rate limit key on the client's address, so behind a load balancer set it, or every anonymous caller shares one budget",
  },
  {
    names: ['CORS_ORIGINS'],
    default: 'none',
    usedBy: 'gateway',
    meaning:
      "comma-separated browser origins (`https://app.example.com`) whose pages may call the gateway; in development Apollo Sandbox's origins are allowed as well. Credentials (cookies) are never allowed",
  },
  {
    names: ['PASSWORD_RESET_URL'],
    default: '`http://localhost:3000/reset-password`',
    usedBy: 'identity',
    meaning: 'the web page reset mails link to, with `?token=`',
  },
  {
    names: ['INVITATION_URL'],
    default: '`http://localhost:3000/accept-invitation`',
    usedBy: 'publishers',
    meaning: 'the web page invitation mails link to, with `?token=`',
  },
  {
    names: ['AUTH_ISSUER', 'AUTH_AUDIENCE'],
    default: '`publishing-platform`, `publishing-api`',
    usedBy: 'all',
    meaning: 'expected `iss` / `aud` of access tokens',
  },
  { names: ['LOG_LEVEL'], default: '`info` (`silent` under test)', usedBy: 'all', meaning: 'pino log level' },
  {
    names: ['BENCH_BASELINE_NODE'],
    default: "the machine's `node` outside `node_modules`",
    usedBy: '`pnpm bench runtime`',
    meaning: 'the older Node binary the pinned one is compared with (skipped when none of another major is found)',
  },
  {
    names: ['BENCH_PROFILE'],
    default: 'off',
    usedBy: '`pnpm bench catalog-path`, `pnpm bench gateway-peers`',
    meaning:
      "`1`: CPU profiles of the gateway and the catalog, and PostgreSQL's statements (`pg_stat_statements`), printed after the load; for `gateway-peers`, our gateway's profile on the stub subgraphs",
  },
  {
    names: ['BENCH_DIRECTORY_USERS'],
    default: '`10000`',
    usedBy: '`pnpm bench directory`',
    meaning: 'directory users the sync benchmark seeds into Samba (in 200 groups)',
  },
  {
    names: ['BENCH_DIRECTORY_DC'],
    default: 'a temporary folder',
    usedBy: '`pnpm bench directory`',
    meaning: 'a folder that keeps the seeded Samba domain for the next run (seeding 10,000 users takes about 12 minutes here)',
  },
];

/** The README's configuration table. */
export function renderConfigurationTable(): string {
  const rows = SETTINGS.map((s) => {
    const names = s.names.map((n) => `\`${n}\``).join(', ');
    return `| ${names} | ${s.default} | ${s.secret ? 'yes' : ''} | ${s.usedBy} | ${s.meaning} |`;
  });
  return ['| variable | default | secret | used by | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

export const CONFIGURATION_TABLE_START =
  '<!-- configuration table: generated by `pnpm docs:config` from packages/service/src/settings.ts -->';
export const CONFIGURATION_TABLE_END = '<!-- end of configuration table -->';
