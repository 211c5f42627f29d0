import type { Actor } from '@platform/auth';
import type { Plan, Tx } from '@platform/db';
import { NotPermitted } from '@platform/errors';

/** What a plan may include beyond the role templates; the plans table lists them per plan. */
export type PlanFeature = 'custom_roles' | 'directory_sign_in' | 'partner_api';

const FEATURE_NAMES: Record<PlanFeature, string> = {
  custom_roles: 'custom roles',
  directory_sign_in: 'directory sign-in',
  partner_api: 'the partner API',
};

/**
 * Refuses, with the plan's name, work that needs a feature the active publisher's account's plan
 * lacks. The account row stays share-locked until the caller's transaction ends: a plan change
 * (which updates that row, then counts what the new plan would forbid) waits for this work to
 * commit and then sees it, or this work waits for the change and sees the new plan.
 */
export async function requirePlanFeature(tx: Tx, publisherId: string, feature: PlanFeature): Promise<void> {
  const rows = await tx.$queryRaw<{ name: string; features: string[] }[]>`
    SELECT pl.name, pl.features
      FROM publishers p
      JOIN accounts a ON a.id = p.account_id
      JOIN plans pl ON pl.key = a.plan
     WHERE p.id = ${publisherId}::uuid
       FOR SHARE OF a`;
  const plan = rows[0];
  if (!plan?.features.includes(feature)) {
    throw new NotPermitted(
      `The ${plan?.name ?? 'current'} plan does not include ${FEATURE_NAMES[feature]}; an account owner can change the plan (changePlan)`,
      'PLAN_FEATURE_MISSING',
    );
  }
}

/** The plans the active publisher's account may move to: those of its publishers' type. */
export async function plansForAccount(tx: Tx, actor: Actor): Promise<Plan[]> {
  const { type } = await tx.publisher.findUniqueOrThrow({ where: { id: actor.publisherId }, select: { type: true } });
  return tx.plan.findMany({ where: { publisherType: type }, orderBy: { seatLimit: 'asc' } });
}
