import type { Operator } from '@platform/auth';
import { Prisma, syncTemplatesOf, isUuid, type Account, type Publisher, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import { recordChange } from '@platform/events';
import { PUBLISHER_TYPES, type PublisherType } from '@platform/permissions';
import type { InvitationModel } from '../models';
import { invitationEmail, issueInvitation, mailInvitation, type InvitationDelivery } from '../invitations/invitations';
import { rolesByKeys } from '../roles/grants';
import { validName } from '../publishers/publishers';
import { asOperatorIn, recordPlatformAct } from './platform-audit';
import { publisherById } from './operated-publisher';

/** Sign-in names of publishers: lower-case words joined by hyphens, as the database checks too. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** What an operator who is also a member types at sign-in to choose the platform. */
const RESERVED_SLUGS = new Set(['platform']);

export function validSlug(raw: string): string {
  const slug = raw.trim();
  if (!SLUG.test(slug)) {
    throw new InvalidInput('slug must be 1 to 40 lower-case letters, digits and inner hyphens (e.g. "north-music")', 'slug');
  }
  if (RESERVED_SLUGS.has(slug)) throw new InvalidInput(`"${slug}" is reserved; choose another slug`, 'slug');
  return slug;
}

export function validPublisherType(raw: string, field = 'type'): PublisherType {
  if (!(PUBLISHER_TYPES as readonly string[]).includes(raw))
    throw new InvalidInput(`${field} must be one of ${PUBLISHER_TYPES.join(', ')}`, field);
  return raw as PublisherType;
}

/**
 * A new account (the billing entity) on a plan, active or in a trial until `trialEndsAt`. Its
 * publishers are created next (createPublisher), of the plan's publisher type.
 */
export async function createAccount(
  tx: Tx,
  operator: Operator,
  input: { name: string; plan: string; trialEndsAt?: Date | null },
): Promise<Account> {
  const name = validName(input.name, 'name');
  const plan = await tx.plan.findUnique({ where: { key: input.plan.trim().toLowerCase() } });
  if (!plan) throw new InvalidInput(`There is no plan "${input.plan.trim()}"`, 'plan');
  const trialEndsAt = input.trialEndsAt ?? null;
  if (trialEndsAt && trialEndsAt <= new Date()) throw new InvalidInput('trialEndsAt must be in the future', 'trialEndsAt');
  const account = await tx.account.create({
    data: { name, plan: plan.key, subscriptionStatus: trialEndsAt ? 'TRIALING' : 'ACTIVE', trialEndsAt },
  });
  await recordPlatformAct(tx, operator, {
    action: 'account.created',
    accountId: account.id,
    data: { name, plan: plan.key, status: account.subscriptionStatus, trialEndsAt: trialEndsAt?.toISOString() ?? null },
  });
  return account;
}

/**
 * A new publisher in an account, with the role templates of its type installed, and empty
 * otherwise: its first Owner is invited next (inviteFirstOwner). The type must be the one the
 * account's plan is for. A slug taken by the time the row is written (two operators at once) is
 * refused by the unique index, with the same answer as one taken before.
 */
export async function createPublisher(
  tx: Tx,
  operator: Operator,
  input: { accountId: string; slug: string; name: string; type: string },
): Promise<Publisher> {
  const slug = validSlug(input.slug);
  const name = validName(input.name, 'name');
  const type = validPublisherType(input.type);
  const account = isUuid(input.accountId)
    ? await tx.account.findUnique({ where: { id: input.accountId }, include: { planDetails: true } })
    : null;
  if (!account) throw new NotFound('Account', input.accountId);
  if (account.planDetails.publisherType !== type) {
    throw new InvalidInput(
      `The account's ${account.planDetails.name} plan is for ${account.planDetails.publisherType} publishers; create the publisher as ${account.planDetails.publisherType}, or put a ${type} publisher in another account`,
      'type',
    );
  }
  const taken = `The slug "${slug}" is taken by another publisher`;
  if (await tx.publisher.findUnique({ where: { slug }, select: { id: true } })) throw new InvalidInput(taken, 'slug');
  let publisher: Publisher;
  try {
    publisher = await tx.publisher.create({ data: { slug, name, type, accountId: account.id } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new InvalidInput(taken, 'slug');
    throw error;
  }
  await recordPlatformAct(tx, operator, {
    action: 'publisher.created',
    publisherId: publisher.id,
    accountId: account.id,
    data: { slug, name, type },
  });
  const actor = await asOperatorIn(tx, operator, publisher.id);
  await syncTemplatesOf((sql, values) => tx.$queryRawUnsafe(sql, ...values), publisher.id, type);
  await recordChange(tx, actor, {
    entityType: 'Publisher',
    entityId: publisher.id,
    action: 'publisher.created',
    data: { slug, name, type },
  });
  return publisher;
}

/**
 * Invites the first Owner of a publisher that has none (a new one, or one whose Owners are all
 * gone): the invitation flow members use, with the Owner role. A publisher with an active Owner
 * invites its own people; the operator is refused.
 */
export async function inviteFirstOwner(
  run: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>,
  operator: Operator,
  input: { publisherId: string; email: string },
  delivery: InvitationDelivery,
): Promise<InvitationModel> {
  const email = invitationEmail(input.email);
  const { invitation, token } = await run(async (tx) => {
    const publisher = await publisherById(tx, input.publisherId);
    await recordPlatformAct(tx, operator, { action: 'publisher.first_owner_invited', publisherId: publisher.id, data: { email } });
    const actor = await asOperatorIn(tx, operator, publisher.id);
    const owners = await tx.membership.count({
      where: { publisherId: publisher.id, status: 'ACTIVE', roles: { some: { role: { key: 'owner', isTemplate: true } } } },
    });
    if (owners > 0) throw new InvalidInput(`"${publisher.slug}" has an Owner already; its Owners invite people themselves`, 'publisherId');
    const roles = await rolesByKeys(tx, publisher.id, ['owner'], 'publisherId');
    return issueInvitation(tx, actor, email, roles, 'member.first_owner_invited');
  });
  mailInvitation(delivery, email, token);
  return invitation;
}
