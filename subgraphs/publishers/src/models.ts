// What the resolvers receive for each GraphQL type (the codegen mappers point here).
import type { Publisher, Role } from '@platform/db';

export type PublisherModel = Publisher;
export type RoleModel = Role;
export interface MembershipModel {
  publisher: Publisher;
  status: 'ACTIVE' | 'SUSPENDED';
  roles: Role[];
}
export interface UserModel {
  id: string;
}
