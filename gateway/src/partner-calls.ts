import { createHash } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError } from 'graphql';
import type pg from 'pg';
import { ACCESS_CACHE_MS, partnerKeyOf, PartnerKeys, Remembered, type PartnerCaller, type PartnerKeyRow } from '@platform/access';
import { requestHeader, type RouteResponse } from '@platform/http';
import type { SecurityEvents } from '@platform/events';
import type { Logger } from '@platform/service';
import type { ApiQuota } from './api-quota';
import type { ApiUsage } from './api-usage';
import type { RequestRates } from './request-rates';

interface RegisteredOperation {
  name: string;
  body: string;
}

/** The operations a publisher's partners may call: its own newest list and the global newest. */
interface OperationList {
  byId: Map<string, RegisteredOperation>;
  /** SHA-256 of each body, so that AUDIT mode can tell a listed text from an unlisted one. */
  byBodyHash: Map<string, RegisteredOperation>;
}

/** What the gateway knows of a partner request once it is admitted. */
export interface PartnerRequest {
  caller: PartnerCaller;
  /** The registered operation's name, or `unlisted:<name>` for a text AUDIT mode let through. */
  operation: string;
  key: string;
  startedAt: number;
}

interface RequestBody {
  query?: unknown;
  operationName?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } } & Record<string, unknown>;
}

/**
 * The partner API at the gateway: a partner sends its key and a registered operation's id, never
 * a query text (AUDIT mode lets a text through, logged, while a partner moves over). The key is
 * checked, its rate limits taken, the id replaced by the registered text, and the request handed
 * to Apollo like any other; every subgraph then checks the key and its permissions again.
 */
export class PartnerCalls {
  private readonly keys: PartnerKeys;
  private readonly admitted = new WeakMap<http.IncomingMessage, PartnerRequest>();
  /** A newly registered version is in force at every instance within this time. */
  private readonly lists = new Remembered<OperationList>(ACCESS_CACHE_MS * 2, 1_000);

  constructor(
    private readonly pool: pg.Pool | null,
    private readonly rates: RequestRates,
    private readonly usage: ApiUsage | null,
    private readonly log: Logger,
    private readonly securityEvents: SecurityEvents | null = null,
    private readonly quota: ApiQuota | null = null,
  ) {
    this.keys = new PartnerKeys(
      async (clientId) => {
        if (!pool) return null;
        const { rows } = await pool.query<PartnerKeyRow>('SELECT * FROM app_partner_key($1::uuid)', [clientId]);
        return rows[0] ?? null;
      },
      (refused) => this.misused(refused, refused.reason),
    );
  }

  /** The partner request `req` was admitted as, for its context and its usage count. */
  of(req: http.IncomingMessage): PartnerRequest | undefined {
    return this.admitted.get(req);
  }

  /**
   * Admits a request that carries a partner key, rewriting its body to the registered operation;
   * a refusal is the whole answer. Null for a request without a key (a person's token, or none).
   */
  async admit(req: http.IncomingMessage, body: unknown): Promise<RouteResponse | null> {
    let key: string | null;
    let caller: PartnerCaller;
    try {
      key = partnerKeyOf(requestHeader(req, 'authorization'), requestHeader(req, 'x-api-key'));
      if (!key) return null;
      if (!this.pool) return refusal(503, 'INTERNAL_SERVER_ERROR', 'The partner API needs DATABASE_URL at the gateway');
      caller = await this.keys.verify(key);
      await this.rates.admitPartner(caller);
      await this.quota?.admit(caller.publisherId);
    } catch (error) {
      if (error instanceof GraphQLError) return refusalOf(error);
      throw error;
    }
    if (req.method !== 'POST' || typeof body !== 'object' || body === null) {
      this.misused(caller, 'not_a_post');
      return refusal(400, 'BAD_REQUEST', "Partner calls are POSTs with a JSON body naming a registered operation's id");
    }
    const request = body as RequestBody;
    const list = await this.listOf(caller.publisherId);
    const id = request.extensions?.persistedQuery?.sha256Hash;
    const text = typeof request.query === 'string' ? request.query : null;
    let operation: string;
    if (typeof id === 'string') {
      const registered = list.byId.get(id);
      if (!registered)
        return this.refuseUnlisted(caller, id, `No registered operation has the id ${id}; publish it first (pnpm pq:publish)`);
      if (text !== null && text !== registered.body) {
        return this.refuseUnlisted(
          caller,
          registered.name,
          `The text sent is not the registered text of ${registered.name} (${id}); send the id alone`,
        );
      }
      request.query = registered.body;
      request.operationName = registered.name;
      delete request.extensions?.persistedQuery;
      operation = registered.name;
    } else if (text !== null) {
      const registered = list.byBodyHash.get(sha256(text));
      if (caller.mode === 'ENFORCE' && !registered) {
        return this.refuseUnlisted(
          caller,
          'unlisted',
          "This client may call registered operations only: send the operation's id, not its text",
        );
      }
      operation = registered?.name ?? `unlisted:${typeof request.operationName === 'string' ? request.operationName : 'anonymous'}`;
      if (!registered) {
        this.log.warn(
          { event: 'partner.unlisted_operation', clientId: caller.partnerClientId, publisherId: caller.publisherId, operation },
          'partner ran an operation off its list (AUDIT mode)',
        );
      }
    } else {
      return refusal(400, 'BAD_REQUEST', "Send a registered operation's id in extensions.persistedQuery.sha256Hash");
    }
    this.admitted.set(req, { caller, operation, key, startedAt: performance.now() });
    return null;
  }

  private refuseUnlisted(caller: PartnerCaller, operation: string, message: string): RouteResponse {
    this.usage?.record({ publisherId: caller.publisherId, partnerClientId: caller.partnerClientId, operation, ms: 0, failed: true });
    this.misused(caller, 'operation_not_in_list');
    return refusal(400, 'PERSISTED_QUERY_NOT_IN_LIST', message);
  }

  /** A key used in a way its client may not, or one that stands for no client. */
  misused(client: { publisherId: string | null; partnerClientId: string | null }, reason: string, requestId?: string): void {
    this.securityEvents?.report({
      kind: 'partner_key.misused',
      publisherId: client.publisherId,
      partnerClientId: client.partnerClientId,
      requestId: requestId ?? null,
      data: { reason },
    });
  }

  private listOf(publisherId: string): Promise<OperationList> {
    return this.lists.get(publisherId, () => this.loadList(publisherId));
  }

  private async loadList(publisherId: string): Promise<OperationList> {
    const client = await this.pool!.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query("SELECT set_config('app.publisher_id', $1, true)", [publisherId]);
      // The publisher's newest version, then the global newest: an id in both is the publisher's.
      const { rows } = await client.query<{ operation_id: string; name: string; body: string }>(
        `SELECT q.operation_id, q.name, q.body
           FROM persisted_queries q
           JOIN (SELECT DISTINCT ON (l.publisher_id) l.id, l.publisher_id FROM persisted_query_lists l
                  ORDER BY l.publisher_id, l.version DESC) newest ON newest.id = q.list_id
          ORDER BY newest.publisher_id NULLS FIRST`,
      );
      await client.query('COMMIT');
      const list: OperationList = { byId: new Map(), byBodyHash: new Map() };
      for (const row of rows) {
        const operation = { name: row.name, body: row.body };
        list.byId.set(row.operation_id, operation);
        list.byBodyHash.set(sha256(row.body), operation);
      }
      return list;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function refusal(status: number, code: string, message: string, headers: Record<string, string> = {}): RouteResponse {
  return { status, headers, body: { errors: [{ message, extensions: { code } }] } };
}

/** A refusal raised as a GraphQL error (401 for a key, 429 for a rate) as the HTTP answer it names. */
function refusalOf(error: GraphQLError): RouteResponse {
  const http = error.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
  const { http: _, ...extensions } = error.extensions;
  return {
    status: http?.status ?? 400,
    headers: Object.fromEntries(http?.headers ?? []),
    body: { errors: [{ message: error.message, extensions }] },
  };
}
