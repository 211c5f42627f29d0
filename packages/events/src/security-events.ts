/**
 * Every kind of security event the services report: what publisher admins count in
 * securityOverview, what alert rules name, and (as `security.<kind>`) audit log actions.
 */
export const SECURITY_EVENT_KINDS = [
  'login.failed',
  'login.locked_out',
  'login.throttled',
  'login.directory_refused',
  'login.directory_unavailable',
  'login.directory_no_group',
  'login.directory_no_email',
  'session.signed_in',
  'session.switched',
  'session.signed_out',
  'session.refresh_token_reused',
  'session.revoked_by_admin',
  'password.changed',
  'password.reset_requested',
  'password.reset',
  /** FORBIDDEN answered to an operation (one per operation, however many fields were denied). */
  'operation.denied',
  /** NOT_FOUND answered for an id that exists in another publisher. */
  'probe.cross_publisher',
  /** A request that named its publisher with the deprecated X-Tenant-ID header. */
  'legacy.tenant_header',
  /** A partner key that is not valid, or used in a way its client may not. */
  'partner_key.misused',
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** What a service reports; the database decides the publishers it belongs to (migration 014). */
export interface SecurityEvent {
  kind: SecurityEventKind;
  /** Null for an event outside any publisher: it goes to every publisher of `userId`, if any. */
  publisherId?: string | null;
  /** The person it concerns: the caller, or the account a failed sign-in tried. */
  userId?: string | null;
  partnerClientId?: string | null;
  sessionId?: string | null;
  client?: { ip: string | null; userAgent?: string | null } | null;
  requestId?: string | null;
  /** For a probe: the id asked for; the event is kept only if the id is another publisher's. */
  probedId?: string | null;
  /** A few facts (an operation's name, a reason); never a secret or an attempted password. */
  data?: Record<string, string | number | boolean>;
}

/** Runs one SQL statement with its parameters and answers its rows (Prisma's or pg's way). */
export type SqlQuery = <Row>(sql: string, values: unknown[]) => Promise<Row[]>;

export interface SecurityEventRow {
  kind: SecurityEventKind;
  publisher_id: string | null;
  user_id: string | null;
  partner_client_id: string | null;
  session_id: string | null;
  client_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  probed_id: string | null;
  data: Record<string, string | number | boolean>;
  occurrences: number;
}

interface LabelledCounter {
  inc(labels: { kind: string }, value?: number): void;
}

export interface SecurityEventsOptions {
  query: SqlQuery;
  /** What was kept, by kind (the platform-wide count), and what was dropped. */
  counters?: { kept: LabelledCounter; dropped: LabelledCounter };
  log?: { warn(details: object, message: string): void };
  flushMs?: number;
  /** Distinct events held between writes; beyond it, events are dropped and counted as dropped. */
  maxPending?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Security events of one service, written in batches off the request path: reporting one costs a
 * map lookup. Identical events (same kind, publisher, person, client, address and facts) between
 * two writes become one row with their number of occurrences, so that a flood of denied requests
 * costs a row per caller and second, not per request. A failed write keeps its events for the
 * next one.
 */
export class SecurityEvents {
  private pending = new Map<string, SecurityEventRow>();
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxPending: number;

  constructor(private readonly options: SecurityEventsOptions) {
    this.maxPending = options.maxPending ?? 10_000;
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 1_000);
    this.timer.unref();
  }

  report(event: SecurityEvent): void {
    const row: SecurityEventRow = {
      kind: event.kind,
      publisher_id: uuidOrNull(event.publisherId),
      user_id: uuidOrNull(event.userId),
      partner_client_id: uuidOrNull(event.partnerClientId),
      session_id: uuidOrNull(event.sessionId),
      client_ip: event.client?.ip?.slice(0, 100) ?? null,
      user_agent: event.client?.userAgent?.slice(0, 512) ?? null,
      request_id: event.requestId?.slice(0, 200) ?? null,
      probed_id: uuidOrNull(event.probedId),
      data: event.data ?? {},
      occurrences: 1,
    };
    if (event.kind === 'probe.cross_publisher' && (!row.probed_id || !row.publisher_id)) return;
    // The request id differs on every request; the first one of a group is kept.
    const key = JSON.stringify([
      row.kind,
      row.publisher_id,
      row.user_id,
      row.partner_client_id,
      row.session_id,
      row.client_ip,
      row.probed_id,
      row.data,
    ]);
    const same = this.pending.get(key);
    if (same) {
      same.occurrences += 1;
      return;
    }
    if (this.pending.size >= this.maxPending) {
      this.options.counters?.dropped.inc({ kind: event.kind });
      return;
    }
    this.pending.set(key, row);
  }

  /** Writes what is pending; one write at a time. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      const kept = await this.options.query<{ kind: string; occurrences: number }>(
        'SELECT kind, occurrences::int AS occurrences FROM app_record_security_events($1::jsonb)',
        [JSON.stringify([...batch.values()])],
      );
      for (const { kind, occurrences } of kept) this.options.counters?.kept.inc({ kind }, occurrences);
    } catch (error) {
      for (const [key, row] of batch) {
        const same = this.pending.get(key);
        if (same) same.occurrences += row.occurrences;
        else if (this.pending.size < this.maxPending) this.pending.set(key, row);
      }
      this.options.log?.warn({ err: error, pending: this.pending.size }, 'security events not written; kept for the next try');
    }
  }
}

function uuidOrNull(value: string | null | undefined): string | null {
  return value && UUID.test(value) ? value.toLowerCase() : null;
}
