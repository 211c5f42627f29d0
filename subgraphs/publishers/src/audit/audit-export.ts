import { stringify } from 'csv-stringify/sync';
import { actorOf } from '@platform/access';
import type { Actor } from '@platform/auth';
import type { AuditLogEntry, InScope } from '@platform/db';
import { DomainError, InvalidInput } from '@platform/errors';
import type { RouteResponse } from '@platform/http';
import type { PublishersContext } from '../context';
import { auditLogWhere } from './audit-log';
import { routeRefusal } from '../route-refusal';

/** Rows read per transaction: the export's memory stays this size, whatever the range. */
const BATCH = 1_000;
/** One export covers at most this much time; a longer history is exported in parts. */
const LONGEST_RANGE_DAYS = 366;

export type ExportFormat = 'ndjson' | 'csv';

const COLUMNS = [
  'sequence',
  'id',
  'createdAt',
  'actorType',
  'actorUserId',
  'actorPartnerClientId',
  'action',
  'entityType',
  'entityId',
  'requestId',
  'clientAddress',
  'data',
  'hash',
  'previousHash',
] as const;

type ExportedEntry = Record<(typeof COLUMNS)[number], string | number | null | object>;

function exported(entry: AuditLogEntry): ExportedEntry {
  return {
    sequence: Number(entry.seq),
    id: entry.id,
    createdAt: entry.createdAt.toISOString(),
    actorType: entry.actorType,
    actorUserId: entry.actorUserId,
    actorPartnerClientId: entry.actorPartnerClientId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    requestId: entry.requestId,
    clientAddress: entry.clientIp,
    data: entry.data as object,
    hash: Buffer.from(entry.hash).toString('hex'),
    previousHash: entry.prevHash ? Buffer.from(entry.prevHash).toString('hex') : null,
  };
}

/**
 * The publisher's entries in [from, to), oldest first, read in batches of their own transaction
 * (the log only grows at its end, so the batches line up). A spreadsheet would run a cell that
 * starts with = + - or @ as a formula: CSV cells get a leading apostrophe there (OWASP's advice).
 */
export async function* auditLogLines(inScope: InScope, actor: Actor, range: { from: Date; to: Date }, format: ExportFormat) {
  const where = auditLogWhere(actor, range);
  if (format === 'csv') yield stringify([[...COLUMNS]]);
  let after = 0n;
  for (;;) {
    const rows = await inScope((tx) =>
      tx.auditLogEntry.findMany({ where: { AND: [where, { seq: { gt: after } }] }, orderBy: { seq: 'asc' }, take: BATCH }),
    );
    if (rows.length === 0) return;
    const entries = rows.map(exported);
    yield format === 'ndjson'
      ? entries.map((e) => `${JSON.stringify(e)}\n`).join('')
      : stringify(entries.map((e) => COLUMNS.map((c) => csvCell(e[c]))));
    if (rows.length < BATCH) return;
    after = rows.at(-1)!.seq;
  }
}

function csvCell(value: string | number | null | object): string {
  if (value === null) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** What the export's query string asks for, each part checked. */
export function exportRequest(url: URL): { from: Date; to: Date; format: ExportFormat } {
  const format = url.searchParams.get('format') ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') throw new InvalidInput('format must be ndjson or csv', 'format');
  const from = dateParameter(url, 'from');
  const to = dateParameter(url, 'to');
  if (from >= to) throw new InvalidInput('from must be before to', 'from');
  if (to.getTime() - from.getTime() > LONGEST_RANGE_DAYS * 86_400_000) {
    throw new InvalidInput(`One export covers at most ${LONGEST_RANGE_DAYS} days; export a longer history in parts`, 'to');
  }
  return { from, to, format };
}

function dateParameter(url: URL, name: string): Date {
  const value = url.searchParams.get(name);
  const date = value && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new InvalidInput(`${name} must be an ISO 8601 date or date-time`, name);
  return date;
}

/** `GET /audit-log/export?from=…&to=…&format=ndjson|csv`: needs audit:read, like auditLog. */
export async function auditLogExport(request: { url?: string | undefined }, ctx: PublishersContext): Promise<RouteResponse> {
  if (!ctx.principal) return routeRefusal(401, 'UNAUTHENTICATED', 'Sign in to continue');
  if (!ctx.permissions.has('audit:read')) {
    const withheld = ctx.withheld?.permissions.has('audit:read') ? ctx.withheld : null;
    return routeRefusal(
      403,
      'FORBIDDEN',
      withheld?.message ?? 'This needs the "audit:read" permission in the active publisher',
      withheld?.reason,
    );
  }
  let wanted;
  try {
    wanted = exportRequest(new URL(request.url ?? '/', 'http://localhost'));
  } catch (error) {
    if (error instanceof DomainError) return routeRefusal(400, error.code, error.message, undefined, error.details());
    throw error;
  }
  const actor = actorOf(ctx);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return {
    status: 200,
    contentType: wanted.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    headers: {
      'content-disposition': `attachment; filename="audit-log-${day(wanted.from)}-${day(wanted.to)}.${wanted.format}"`,
      'cache-control': 'no-store',
    },
    body: null,
    stream: auditLogLines(ctx.inScope, actor, wanted, wanted.format),
  };
}
