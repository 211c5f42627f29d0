import { readFileSync } from 'node:fs';
import type { ScopedDatabase } from '@platform/db';
import type { Logger } from '@platform/service';
import type { SubgraphDefinition } from '@platform/subgraph';
import { auditLogExport } from './audit/audit-export';
import { billingWebhook } from './billing/billing-webhook';
import { offboardingExport } from './platform/offboarding-export';
import { OFFBOARDING_EXPORT_PATH } from './platform/offboarding';
import { publishersContext, type PublishersContext } from './context';
import { publishersRules } from './permissions';
import { resolvers } from './resolvers';
import type { InvitationDelivery } from './invitations/invitations';

export const publishersTypeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface PublishersDependencies {
  db: ScopedDatabase;
  invitations: InvitationDelivery;
  /** What the billing provider signs its webhook with; null: the webhook answers 404. */
  billingWebhookSecret: string | null;
  log: Logger;
}

export function publishersSubgraph(deps: PublishersDependencies): SubgraphDefinition<PublishersContext> {
  return {
    name: 'publishers',
    typeDefs: publishersTypeDefs,
    resolvers,
    rules: publishersRules,
    extendContext: publishersContext(deps.invitations),
    postRoutes: { '/webhooks/billing': billingWebhook(deps.db, deps.billingWebhookSecret, deps.log) },
    authenticatedRoutes: { '/audit-log/export': auditLogExport, [OFFBOARDING_EXPORT_PATH]: offboardingExport },
  };
}
export { publishersRules } from './permissions';
