import { subgraphCodegen } from '@platform/graphql-edge/codegen';

const model = (name: string) => `../models#${name}Model`;
export default subgraphCodegen({
  context: '../context#PublishersContext',
  mappers: Object.fromEntries(
    [
      'Publisher',
      'Membership',
      'Role',
      'User',
      'Member',
      'Invitation',
      'Account',
      'Plan',
      'AccountAdministrator',
      'AccessExplanation',
      'AuditEntry',
      'AuditEntryConnection',
      'AuditEntryEdge',
      'PlatformPublisher',
      'PlatformAccount',
      'PlatformAuditEntry',
      'FirstOwnerInvitation',
      'SupportAccess',
    ].map((t) => [t, model(t)]),
  ),
});
