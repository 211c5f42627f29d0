import type { Actor } from '@platform/auth';
import type { Tx } from '@platform/db';
import { pageSize, reportingPeriod, type Period } from '@platform/paging';

export interface SecurityEventCountModel {
  kind: string;
  occurrences: number;
}

export interface SecurityAlertModel {
  id: string;
  kind: string;
  severity: string;
  threshold: number;
  windowSeconds: number;
  observed: number;
  raisedAt: Date;
}

export interface SecurityAlertRuleModel {
  kind: string;
  threshold: number;
  windowSeconds: number;
  severity: string;
  /** False for the platform's default, true for one the publisher was given. */
  ownRule: boolean;
}

export interface SecurityEventModel {
  id: string;
  kind: string;
  occurredAt: Date;
  occurrences: number;
  userId: string | null;
  partnerClientId: string | null;
  clientIp: string | null;
  requestId: string | null;
  details: { name: string; value: string }[];
}

export interface SecurityOverviewModel extends Period {
  publisherId: string;
}

/** The period of an overview: the last day by default, at most 90 days. */
export function securityOverviewOf(actor: Actor, from?: Date | null, to?: Date | null): SecurityOverviewModel {
  return { publisherId: actor.publisherId, ...reportingPeriod(from, to, { defaultDays: 1, maxDays: 90 }) };
}

/** How often each kind of event happened in the publisher in the period (occurrences, not rows). */
export async function securityEventCounts(tx: Tx, overview: SecurityOverviewModel): Promise<SecurityEventCountModel[]> {
  const rows = await tx.securityEvent.groupBy({
    by: ['kind'],
    where: { publisherId: overview.publisherId, occurredAt: { gte: overview.from, lt: overview.to } },
    _sum: { occurrences: true },
    orderBy: { kind: 'asc' },
  });
  return rows.map((r) => ({ kind: r.kind, occurrences: r._sum.occurrences ?? 0 }));
}

export async function securityAlerts(tx: Tx, overview: SecurityOverviewModel): Promise<SecurityAlertModel[]> {
  const rows = await tx.securityAlert.findMany({
    where: { publisherId: overview.publisherId, raisedAt: { gte: overview.from, lt: overview.to } },
    orderBy: { raisedAt: 'desc' },
  });
  return rows.map((a) => ({ ...a, observed: Number(a.observed) }));
}

/** The rules in force for the publisher: its own for a kind, else the platform's default. */
export async function securityAlertRules(tx: Tx, overview: SecurityOverviewModel): Promise<SecurityAlertRuleModel[]> {
  const rows = await tx.securityAlertRule.findMany({ orderBy: [{ kind: 'asc' }, { publisherId: { sort: 'asc', nulls: 'last' } }] });
  const inForce = new Map<string, SecurityAlertRuleModel>();
  for (const r of rows) {
    if (inForce.has(r.kind)) continue;
    inForce.set(r.kind, {
      kind: r.kind,
      threshold: r.threshold,
      windowSeconds: r.windowSeconds,
      severity: r.severity,
      ownRule: r.publisherId === overview.publisherId,
    });
  }
  return [...inForce.values()];
}

/** The newest events of the period, `kind` alone when given. */
export async function recentSecurityEvents(
  tx: Tx,
  overview: SecurityOverviewModel,
  query: { first?: number | null; kind?: string | null },
): Promise<SecurityEventModel[]> {
  const first = pageSize(query.first);
  const rows = await tx.securityEvent.findMany({
    where: {
      publisherId: overview.publisherId,
      occurredAt: { gte: overview.from, lt: overview.to },
      ...(query.kind ? { kind: query.kind } : {}),
    },
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    take: first,
  });
  return rows.map((e) => ({
    id: e.id,
    kind: e.kind,
    occurredAt: e.occurredAt,
    occurrences: e.occurrences,
    userId: e.userId,
    partnerClientId: e.partnerClientId,
    clientIp: e.clientIp,
    requestId: e.requestId,
    details: Object.entries((e.data ?? {}) as Record<string, unknown>).map(([name, value]) => ({ name, value: String(value) })),
  }));
}
