import { isUuid, type Publisher } from '@platform/db';
import { badUserInput, requirePrincipal, type RequestContext } from '@platform/server';
import type { MembershipModel } from '../models';
import { withPermissions } from './grants';

/** The publishers the caller belongs to, whatever the active one. */
export async function publishersOfCaller(ctx: RequestContext): Promise<Publisher[]> {
  const userId = requirePrincipal(ctx).userId;
  return ctx.inScope((tx) => tx.publisher.findMany({ where: { memberships: { some: { userId } } }, orderBy: { slug: 'asc' } }));
}

export async function findPublisher(ctx: RequestContext, by: { id?: string | null; slug?: string | null }): Promise<Publisher | null> {
  if ((by.id == null) === (by.slug == null)) throw badUserInput('Give exactly one of id or slug');
  if (by.id != null && !isUuid(by.id)) throw badUserInput('id is not a valid publisher id', 'id');
  const userId = requirePrincipal(ctx).userId;
  const where = by.id != null ? { id: by.id.toLowerCase() } : { slug: by.slug!.trim().toLowerCase() };
  return ctx.inScope((tx) => tx.publisher.findFirst({ where: { ...where, memberships: { some: { userId } } } }));
}

export async function membershipsOfCaller(ctx: RequestContext): Promise<MembershipModel[]> {
  const userId = requirePrincipal(ctx).userId;
  const rows = await ctx.inScope((tx) =>
    tx.membership.findMany({
      where: { userId },
      include: { publisher: true, roles: { include: { role: { include: withPermissions } }, orderBy: { role: { key: 'asc' } } } },
      orderBy: { publisher: { slug: 'asc' } },
    }),
  );
  return rows.map((m) => ({ publisher: m.publisher, status: m.status, roles: m.roles.map((r) => r.role) }));
}
