import type { RoleResolvers } from '../generated/resolvers-types';

export const Role: RoleResolvers = {
  permissions: (role) => (role.permissions ?? []).map((p) => p.permissionKey),
};
