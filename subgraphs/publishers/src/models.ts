// What the resolvers receive for each GraphQL type (the codegen mappers point here).
import type { Account, AuditLogEntry, Invitation, Plan, PlatformAuditEntry, Publisher, Role } from '@platform/db';
import type { Connection, Edge } from '@platform/paging';
import type { SupportAccessModel } from './support/support-access';

export type PublisherModel = Publisher;
export type RoleModel = Role & { permissions?: { permissionKey: string }[] };
export interface MembershipModel {
  publisher: Publisher;
  status: 'ACTIVE' | 'SUSPENDED';
  roles: Role[];
}
export interface UserModel {
  id: string;
}
export interface MemberModel {
  userId: string;
  email: string;
  displayName: string;
  status: 'ACTIVE' | 'SUSPENDED';
  roles: RoleModel[];
  joinedAt: Date;
  /** Set for a platform operator here through live support access rather than a membership. */
  supportAccess: SupportAccessModel | null;
}
export type InvitationModel = Invitation & { roles: RoleModel[] };
export type { AccountModel } from './billing/account';
export type { AccountAdministratorModel } from './members/account-roles';
export type PlanModel = Plan;
export interface AccessExplanationModel {
  permission: string;
  granted: boolean;
  grantedBy: RoleModel[];
  directoryGroups: string[];
  reason: string;
}
export type AuditEntryModel = AuditLogEntry;
export type AuditEntryConnectionModel = Connection<AuditLogEntry>;
export type AuditEntryEdgeModel = Edge<AuditLogEntry>;
export type { PlatformPublisherModel } from './platform/platform-publishers';
export type PlatformAccountModel = Account;
export type PlatformAuditEntryModel = PlatformAuditEntry;
export type FirstOwnerInvitationModel = Invitation;
export type { SupportAccessModel };
