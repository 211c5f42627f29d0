/**
 * Which part of the platform owns each table: only its owner writes it, and everyone else goes
 * through the owner's functions (`@platform/sessions` for identity's sessions,
 * `@platform/publishers/invitations` for accepting an invitation, `@platform/publishers/directory-members`
 * for the members a directory provisions, `recordChange` for the audit
 * log and outbox). Reads may cross owners where row-level security allows. `tests/table-ownership`
 * checks the code against this map; `docs/database.md` prints it beside each table's policies.
 */
export const TABLE_OWNERS = {
  users: 'identity',
  user_sessions: 'identity',
  refresh_token_rotations: 'identity',
  password_resets: 'identity',
  directories: 'identity',
  directory_email_domains: 'identity',
  directory_group_mappings: 'identity',
  directory_break_glass_users: 'identity',
  directory_identities: 'identity',
  partner_clients: 'identity',
  persisted_query_lists: 'identity',
  persisted_queries: 'identity',
  api_usage: 'gateway',
  apq_documents: 'gateway',
  accounts: 'publishers',
  // Plans are written by migrations only; publishers reads them for its accounts.
  plans: 'publishers',
  billing_events: 'publishers',
  account_members: 'publishers',
  publishers: 'publishers',
  user_publishers: 'publishers',
  roles: 'publishers',
  role_permissions: 'publishers',
  membership_roles: 'publishers',
  invitations: 'publishers',
  // What operators do to publishers and accounts, written by the lifecycle services.
  platform_audit_log: 'publishers',
  // Asked for by operators, decided by the publisher's Owners; read by every request's access.
  support_access_grants: 'publishers',
  // Written by the owner's offboarding functions (migration 018), which operators call.
  publisher_offboardings: 'publishers',
  works: 'catalog',
  songwriters: 'catalog',
  recordings: 'catalog',
  work_writers: 'catalog',
  work_recordings: 'catalog',
  audit_log: 'events',
  outbox: 'events',
  // Written only by the relay's functions (migration 019), which publishers' relay calls.
  outbox_streams: 'publishers',
  outbox_dead_letters: 'publishers',
  // Reported by every service through @platform/events (SecurityEvents), which writes them with
  // app_record_security_events; alerts are raised by that function's trigger, from rules that
  // migrations write.
  security_events: 'events',
  security_alert_rules: 'database',
  security_alerts: 'database',
  permissions: 'database',
  // Synced from @platform/permissions at migration; staff are granted by `pnpm platform:grant`.
  platform_roles: 'database',
  platform_role_permissions: 'database',
  platform_staff: 'database',
  rate_limits: 'database',
  // postgrator's record of the migrations applied.
  schema_migrations: 'database',
} as const;

export type TableOwner = (typeof TABLE_OWNERS)[keyof typeof TABLE_OWNERS];

/**
 * Where each owner's writing code lives (paths from the repository root). `database` is the
 * migration tooling: it syncs the permission catalog and the role templates (publishers' roles,
 * defined as data in @platform/permissions) when the schema is prepared. rate_limits is written
 * only by rate-limiter-flexible, for the gateway's limits and identity's login guard.
 */
export const OWNER_PATHS: Record<TableOwner, readonly string[]> = {
  identity: ['subgraphs/identity/src/', 'packages/sessions/src/'],
  publishers: ['subgraphs/publishers/src/', 'packages/db/src/role-template-sync.ts', 'packages/db/src/role-templates.ts'],
  catalog: ['subgraphs/catalog/src/'],
  events: ['packages/events/src/'],
  // The partner calls it counts (and each client's last use) and its shared APQ cache.
  gateway: ['gateway/src/'],
  database: ['packages/db/src/'],
};
