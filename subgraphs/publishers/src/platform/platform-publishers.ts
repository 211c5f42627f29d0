import { Prisma, isUuid, type Account, type Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { connectionOf, decodeCursor, pageSize, type Connection } from '@platform/paging';
import { validPublisherType } from './onboarding';

/** A publisher as operators see it: what it is and how it is used, nothing of what is inside it. */
export interface PlatformPublisherModel {
  id: string;
  slug: string;
  name: string;
  type: 'ENTERPRISE' | 'PLATFORM' | 'BOUTIQUE';
  status: 'ACTIVE' | 'SUSPENDED';
  suspendedReason: string | null;
  accountId: string;
  createdAt: Date;
  seatsUsed: number;
  lastActivityAt: Date | null;
}

export interface PlatformPublisherFilter {
  search?: string | null;
  type?: string | null;
  status?: string | null;
  accountId?: string | null;
}

interface Row {
  id: string;
  slug: string;
  name: string;
  type: PlatformPublisherModel['type'];
  status: PlatformPublisherModel['status'];
  suspended_reason: string | null;
  account_id: string;
  created_at: Date;
  seats_used: number;
  last_activity_at: Date | null;
}

/**
 * Every publisher of the platform, by slug, filtered. Read through app_platform_publishers(),
 * which answers operators holding platform:read only, and counts members and reads the latest
 * session and audit entry without handing out a row of either.
 */
export async function platformPublishers(
  tx: Tx,
  query: { filter?: PlatformPublisherFilter | null; first?: number | null; after?: string | null },
): Promise<Connection<PlatformPublisherModel>> {
  const size = pageSize(query.first);
  const where = filterSql(query.filter ?? {});
  const after = query.after ? decodeCursor(query.after, ['text'])[0]! : null;
  const page = after === null ? Prisma.empty : Prisma.sql`AND slug > ${after}`;
  const rows = await tx.$queryRaw<Row[]>`
    SELECT * FROM app_platform_publishers() WHERE ${where} ${page} ORDER BY slug LIMIT ${size + 1}`;
  const [{ count }] = await tx.$queryRaw<
    [{ count: number }]
  >`SELECT count(*)::integer AS count FROM app_platform_publishers() WHERE ${where}`;
  return connectionOf(rows.map(modelOf), size, count, (p) => [p.slug]);
}

/** One publisher as operators see it, read in a platform transaction of its own. */
export async function platformPublisher(tx: Tx, id: string): Promise<PlatformPublisherModel> {
  const [row] = await tx.$queryRaw<Row[]>`SELECT * FROM app_platform_publishers() WHERE id = ${id}::uuid`;
  if (!row) throw new Error(`publisher ${id} is not visible to this operator`);
  return modelOf(row);
}

function filterSql(filter: PlatformPublisherFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`true`];
  const search = filter.search?.trim();
  if (search) {
    if (search.length > 100) throw new InvalidInput('filter.search must be at most 100 characters', 'filter.search');
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    parts.push(Prisma.sql`(slug ILIKE ${pattern} OR name ILIKE ${pattern})`);
  }
  if (filter.type) parts.push(Prisma.sql`type = ${validPublisherType(filter.type, 'filter.type')}::publisher_type`);
  if (filter.status) {
    if (filter.status !== 'ACTIVE' && filter.status !== 'SUSPENDED')
      throw new InvalidInput('filter.status must be ACTIVE or SUSPENDED', 'filter.status');
    parts.push(Prisma.sql`status = ${filter.status}::publisher_status`);
  }
  if (filter.accountId) {
    if (!isUuid(filter.accountId)) throw new InvalidInput('filter.accountId is not an account id', 'filter.accountId');
    parts.push(Prisma.sql`account_id = ${filter.accountId}::uuid`);
  }
  return Prisma.join(parts, ' AND ');
}

function modelOf(row: Row): PlatformPublisherModel {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    type: row.type,
    status: row.status,
    suspendedReason: row.suspended_reason,
    accountId: row.account_id,
    createdAt: row.created_at,
    seatsUsed: row.seats_used,
    lastActivityAt: row.last_activity_at,
  };
}

/** Accounts by name, with their plan and subscription (row-level security: platform:read). */
export async function platformAccounts(tx: Tx, query: { first?: number | null; after?: string | null }): Promise<Connection<Account>> {
  const size = pageSize(query.first);
  const after = query.after ? decodeCursor(query.after, ['text', 'uuid']) : null;
  const rows = await tx.account.findMany({
    where: after ? { OR: [{ name: { gt: after[0] } }, { name: after[0], id: { gt: after[1] } }] } : {},
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: size + 1,
  });
  return connectionOf(rows, size, await tx.account.count(), (a) => [a.name, a.id]);
}
