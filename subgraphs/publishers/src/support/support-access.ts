import { assertMayGrant } from '@platform/access';
import type { Actor, Operator } from '@platform/auth';
import { isUuid, type Prisma, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import { recordChange } from '@platform/events';
import type { Mailer } from '@platform/mail';
import { isPublisherPermission } from '@platform/permissions';
import { endSessions } from '@platform/sessions';
import type { Logger } from 'pino';
import { asOperatorIn, recordPlatformAct } from '../platform/platform-audit';
import { publisherById } from '../platform/operated-publisher';

/** A request nobody decides within this time lapses (EXPIRED). */
export const SUPPORT_REQUEST_TTL_HOURS = 24;
const SUPPORT_REQUEST_TTL_MS = SUPPORT_REQUEST_TTL_HOURS * 3_600_000;
export const SUPPORT_MINUTES = { min: 5, max: 24 * 60 } as const;
export const BREAK_GLASS_MINUTES = 60;
/** Granting support access is the publisher's to decide, never the operator's. */
const NEVER_GRANTED = new Set(['support:approve']);

export type SupportAccessStatus = 'REQUESTED' | 'APPROVED' | 'DENIED' | 'REVOKED' | 'EXPIRED';

export interface SupportAccessModel {
  id: string;
  publisherId: string;
  publisherSlug: string;
  operatorId: string;
  operatorEmail: string;
  operatorName: string;
  reason: string;
  permissions: string[];
  durationMinutes: number;
  breakGlass: boolean;
  status: SupportAccessStatus;
  requestedAt: Date;
  decidedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** Where the mails of support access go out; one that fails is logged, the access stands. */
export interface SupportMail {
  mailer: Mailer;
  log: Logger;
}

const grantInclude = {
  publisher: { select: { slug: true } },
  user: { select: { email: true, displayName: true } },
} as const;

type GrantRow = Prisma.SupportAccessGrantGetPayload<{ include: typeof grantInclude }>;

/** What a grant is now: the stored decision, with the clock's word on requests and grants that ran out. */
function statusOf(row: GrantRow, now = new Date()): SupportAccessStatus {
  if (row.status === 'APPROVED' && row.expiresAt && row.expiresAt <= now) return 'EXPIRED';
  if (row.status === 'REQUESTED' && row.requestedAt.getTime() + SUPPORT_REQUEST_TTL_MS <= now.getTime()) return 'EXPIRED';
  return row.status as SupportAccessStatus;
}

export function toSupportAccess(row: GrantRow): SupportAccessModel {
  return {
    id: row.id,
    publisherId: row.publisherId,
    publisherSlug: row.publisher.slug,
    operatorId: row.userId,
    operatorEmail: row.user.email,
    operatorName: row.user.displayName,
    reason: row.reason,
    permissions: row.permissions,
    durationMinutes: row.durationMinutes,
    breakGlass: row.breakGlass,
    status: statusOf(row),
    requestedAt: row.requestedAt,
    decidedAt: row.decidedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

function validReason(raw: string): string {
  const reason = raw.trim();
  if (reason.length < 10 || reason.length > 1000) {
    throw new InvalidInput('reason must say what the support case is, in 10 to 1000 characters', 'reason');
  }
  return reason;
}

function validPermissions(raw: string[]): string[] {
  const permissions = [...new Set(raw.map((p) => p.trim()))].sort();
  if (permissions.length === 0) throw new InvalidInput('permissions must name at least one permission', 'permissions');
  const unknown = permissions.filter((p) => !isPublisherPermission(p));
  if (unknown.length) {
    throw new InvalidInput(`permissions names what no publisher grants: ${unknown.map((p) => `"${p}"`).join(', ')}`, 'permissions');
  }
  const never = permissions.filter((p) => NEVER_GRANTED.has(p));
  if (never.length) throw new InvalidInput(`Support access never grants ${never.map((p) => `"${p}"`).join(', ')}`, 'permissions');
  return permissions;
}

function validDuration(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < SUPPORT_MINUTES.min || minutes > SUPPORT_MINUTES.max) {
    throw new InvalidInput(
      `durationMinutes must be a whole number from ${SUPPORT_MINUTES.min} to ${SUPPORT_MINUTES.max} (24 hours)`,
      'durationMinutes',
    );
  }
  return minutes;
}

/** A publisher an operator may ask into: one that exists and is active (a suspended one grants nothing). */
async function publisherToSupport(tx: Tx, publisherId: string) {
  const publisher = await publisherById(tx, publisherId);
  if (publisher.status !== 'ACTIVE') {
    throw new InvalidInput(`"${publisher.slug}" is suspended: reactivate it first, or nothing in it can be read`, 'publisherId');
  }
  return publisher;
}

export interface SupportAccessAsked {
  access: SupportAccessModel;
  /** Who decides support access in the publisher: told of the request. */
  approvers: string[];
}

/**
 * An operator asks a publisher's Owners for access to it, for a support case: the permissions
 * named, for the duration asked from the moment it is approved. Recorded in the platform's log
 * and the publisher's; the approvers' addresses are returned for the mail sent after commit.
 */
export function requestSupportAccess(
  tx: Tx,
  operator: Operator,
  input: { publisherId: string; reason: string; durationMinutes: number; permissions: string[] },
): Promise<SupportAccessAsked> {
  return ask(tx, operator, {
    publisherId: input.publisherId,
    reason: validReason(input.reason),
    permissions: validPermissions(input.permissions),
    durationMinutes: validDuration(input.durationMinutes),
    breakGlass: false,
  });
}

/** Emergency access, approved by no one, for one hour; the same records as a request, as what it is. */
export function breakGlass(
  tx: Tx,
  operator: Operator,
  input: { publisherId: string; reason: string; permissions: string[] },
): Promise<SupportAccessAsked> {
  return ask(tx, operator, {
    publisherId: input.publisherId,
    reason: validReason(input.reason),
    permissions: validPermissions(input.permissions),
    durationMinutes: BREAK_GLASS_MINUTES,
    breakGlass: true,
  });
}

async function ask(
  tx: Tx,
  operator: Operator,
  asked: { publisherId: string; reason: string; permissions: string[]; durationMinutes: number; breakGlass: boolean },
): Promise<SupportAccessAsked> {
  const publisher = await publisherToSupport(tx, asked.publisherId);
  // The database sets the times (and, for break-glass access, the decision): migration 017.
  const row = await tx.supportAccessGrant.create({
    data: {
      publisherId: publisher.id,
      userId: operator.userId,
      reason: asked.reason,
      permissions: asked.permissions,
      durationMinutes: asked.durationMinutes,
      breakGlass: asked.breakGlass,
      status: asked.breakGlass ? 'APPROVED' : 'REQUESTED',
    },
    include: grantInclude,
  });
  const action = asked.breakGlass ? 'support.break_glass' : 'support.requested';
  const data = { grantId: row.id, reason: asked.reason, permissions: asked.permissions, durationMinutes: asked.durationMinutes };
  await recordPlatformAct(tx, operator, { action, publisherId: publisher.id, data });
  const actor = await asOperatorIn(tx, operator, publisher.id);
  await recordChange(tx, actor, { entityType: 'SupportAccess', entityId: row.id, action, data });
  return { access: toSupportAccess(row), approvers: await approversOf(tx, publisher.id) };
}

/** The active people of a publisher who hold support:approve there (its Owners, by default). */
async function approversOf(tx: Tx, publisherId: string): Promise<string[]> {
  const rows = await tx.$queryRaw<{ email: string }[]>`
    SELECT u.email FROM users u
     WHERE u.status = 'ACTIVE'
       AND (EXISTS (SELECT 1 FROM user_publishers m WHERE m.publisher_id = ${publisherId}::uuid AND m.user_id = u.id AND m.status = 'ACTIVE')
            OR EXISTS (SELECT 1 FROM account_members am JOIN publishers p ON p.account_id = am.account_id
                        WHERE p.id = ${publisherId}::uuid AND am.user_id = u.id))
       AND 'support:approve' = ANY (app_permissions_of(${publisherId}::uuid, u.id))
     ORDER BY u.email`;
  return rows.map((r) => r.email);
}

export function mailApprovers(mail: SupportMail, asked: SupportAccessAsked): void {
  const { access } = asked;
  const subject = access.breakGlass
    ? `Break-glass access to ${access.publisherSlug} by the platform's operators`
    : `Support access to ${access.publisherSlug} requested`;
  const text = access.breakGlass
    ? `${access.operatorName} <${access.operatorEmail}> entered ${access.publisherSlug} with break-glass access, without approval, until ${access.expiresAt?.toISOString()}.\nReason: ${access.reason}\nPermissions: ${access.permissions.join(', ')}\nYou can revoke it at once (revokeSupportAccess), and see what they do in the audit log.`
    : `${access.operatorName} <${access.operatorEmail}> asks for access to ${access.publisherSlug} for ${access.durationMinutes} minutes.\nReason: ${access.reason}\nPermissions: ${access.permissions.join(', ')}\nApprove or deny it (supportAccessRequests) within ${SUPPORT_REQUEST_TTL_HOURS} hours.`;
  for (const to of asked.approvers) {
    mail.mailer
      .send({ to, subject, text })
      .catch((error: unknown) => mail.log.error({ err: error }, 'could not send a support access mail'));
  }
}

/** Tells the operator what the publisher decided. */
export function mailOperator(mail: SupportMail, access: SupportAccessModel): void {
  const until = access.expiresAt ? ` until ${access.expiresAt.toISOString()}` : '';
  const text =
    access.status === 'APPROVED'
      ? `Your support access to ${access.publisherSlug} is approved${until}. Enter it with switchPublisher("${access.publisherSlug}").`
      : `Your support access to ${access.publisherSlug} is ${access.status.toLowerCase()}.`;
  mail.mailer
    .send({ to: access.operatorEmail, subject: `Support access to ${access.publisherSlug}: ${access.status.toLowerCase()}`, text })
    .catch((error: unknown) => mail.log.error({ err: error }, 'could not send a support access mail'));
}

/** The support access asked of the caller's publisher, newest first. */
export async function supportAccessRequests(tx: Tx, actor: Actor, status?: SupportAccessStatus | null): Promise<SupportAccessModel[]> {
  const rows = await tx.supportAccessGrant.findMany({
    where: { publisherId: actor.publisherId },
    include: grantInclude,
    orderBy: [{ requestedAt: 'desc' }, { id: 'asc' }],
  });
  const all = rows.map((r) => toSupportAccess(r));
  return status ? all.filter((a) => a.status === status) : all;
}

/** An operator's own requests and grants, in every publisher, newest first. */
export async function supportAccessOf(tx: Tx, operator: Operator): Promise<SupportAccessModel[]> {
  const rows = await tx.supportAccessGrant.findMany({
    where: { userId: operator.userId },
    include: grantInclude,
    orderBy: [{ requestedAt: 'desc' }, { id: 'asc' }],
  });
  return rows.map((r) => toSupportAccess(r));
}

/** The live grants of a publisher, as its member list shows them. */
export async function liveSupportAccess(tx: Tx, publisherId: string, userId?: string): Promise<SupportAccessModel[]> {
  const rows = await tx.supportAccessGrant.findMany({
    where: { publisherId, status: 'APPROVED', expiresAt: { gt: new Date() }, ...(userId ? { userId } : {}) },
    include: grantInclude,
    orderBy: { expiresAt: 'desc' },
  });
  return rows.map((r) => toSupportAccess(r));
}

async function grantOf(tx: Tx, actor: Actor, id: string): Promise<GrantRow> {
  const row = isUuid(id)
    ? await tx.supportAccessGrant.findUnique({
        where: { publisherId_id: { publisherId: actor.publisherId, id: id.toLowerCase() } },
        include: grantInclude,
      })
    : null;
  if (!row) throw new NotFound('Support access', id);
  return row;
}

/**
 * One decision on a grant, made atomically: the update names the status it expects, so of two
 * Owners deciding at once (or a decision and a revocation) exactly one succeeds, and the other is
 * told what happened first.
 */
async function decide(
  tx: Tx,
  actor: Actor,
  id: string,
  change: {
    from: 'REQUESTED' | 'APPROVED';
    to: 'APPROVED' | 'DENIED' | 'REVOKED';
    action: 'support.approved' | 'support.denied' | 'support.revoked';
  },
): Promise<GrantRow> {
  const row = await grantOf(tx, actor, id);
  if (change.to === 'APPROVED') assertMayGrant(actor, row.permissions);
  const now = new Date();
  const live =
    change.from === 'REQUESTED' ? { requestedAt: { gt: new Date(now.getTime() - SUPPORT_REQUEST_TTL_MS) } } : { expiresAt: { gt: now } };
  const by = change.to === 'REVOKED' ? { revokedBy: actor.userId } : { decidedBy: actor.userId };
  const { count } = await tx.supportAccessGrant.updateMany({
    where: { publisherId: actor.publisherId, id: row.id, status: change.from, ...live },
    data: { status: change.to, ...by },
  });
  if (count === 0) {
    const current = statusOf(await grantOf(tx, actor, row.id));
    throw new InvalidInput(`This support access is ${current.toLowerCase()}: it cannot be ${change.to.toLowerCase()} now`, 'id');
  }
  if (change.to === 'REVOKED') {
    await endSessions(
      tx,
      { userId: row.userId, publisherId: actor.publisherId },
      `support access ${change.to.toLowerCase()} by ${actor.userId}`,
    );
  }
  await recordChange(tx, actor, {
    entityType: 'SupportAccess',
    entityId: row.id,
    action: change.action,
    data: { grantId: row.id, operatorId: row.userId, permissions: row.permissions },
  });
  return grantOf(tx, actor, row.id);
}

export async function approveSupportAccess(tx: Tx, actor: Actor, id: string): Promise<SupportAccessModel> {
  return toSupportAccess(await decide(tx, actor, id, { from: 'REQUESTED', to: 'APPROVED', action: 'support.approved' }));
}

export async function denySupportAccess(tx: Tx, actor: Actor, id: string): Promise<SupportAccessModel> {
  return toSupportAccess(await decide(tx, actor, id, { from: 'REQUESTED', to: 'DENIED', action: 'support.denied' }));
}

/** Ends a live grant at once; the operator's sessions in the publisher end with it. */
export async function revokeSupportAccess(tx: Tx, actor: Actor, id: string): Promise<SupportAccessModel> {
  return toSupportAccess(await decide(tx, actor, id, { from: 'APPROVED', to: 'REVOKED', action: 'support.revoked' }));
}
