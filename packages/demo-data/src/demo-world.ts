import type { PublisherType } from '@platform/permissions';

/** The demo password of every demo user; development only (README, `pnpm start` banner). */
export const DEMO_PASSWORD = 'demo-password-2026';

export interface DemoPublisher {
  slug: string;
  name: string;
  type: PublisherType;
  account: string;
  works: number;
}

export const DEMO_ACCOUNTS = [
  { key: 'downtown', name: 'Downtown Music Holdings', plan: 'enterprise' },
  { key: 'songtrust', name: 'Songtrust', plan: 'platform' },
  { key: 'spirit', name: 'Spirit Music Group', plan: 'boutique' },
] as const;

export const DEMO_PUBLISHERS: readonly DemoPublisher[] = [
  { slug: 'dmp', name: 'Downtown Music Publishing', type: 'ENTERPRISE', account: 'downtown', works: 300 },
  { slug: 'sheer', name: 'Sheer Publishing', type: 'ENTERPRISE', account: 'downtown', works: 200 },
  { slug: 'songtrust', name: 'Songtrust', type: 'PLATFORM', account: 'songtrust', works: 400 },
  { slug: 'spirit', name: 'Spirit Music Group', type: 'BOUTIQUE', account: 'spirit', works: 250 },
];

export interface DemoUser {
  email: string;
  displayName: string;
  /** publisher slug → role template keys */
  memberships: Record<string, string[]>;
  /** For a client songwriter: the publisher in which they are a writer. */
  writesFor?: string;
  /** account key → the role template they hold in every publisher of that account. */
  accountRoles?: Record<string, string>;
  /** A platform role (platform:operator, platform:support), held outside every publisher. */
  platformRole?: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  ...DEMO_PUBLISHERS.map((p) => ({
    email: `owner@${p.slug}.demo`,
    displayName: `${p.name} Owner`,
    memberships: { [p.slug]: ['owner'] },
  })),
  { email: 'viewer@dmp.demo', displayName: 'Dana Viewer', memberships: { dmp: ['viewer'] } },
  { email: 'ops@dmp.demo', displayName: 'Oli Ops (shared services)', memberships: { dmp: ['admin'], sheer: ['admin'] } },
  { email: 'client@songtrust.demo', displayName: 'Casey Client', memberships: { songtrust: ['client'] }, writesFor: 'songtrust' },
  // Administers dmp and sheer through the Downtown account, with a membership in neither.
  { email: 'admin@downtown.demo', displayName: 'Ada Account Owner (Downtown)', memberships: {}, accountRoles: { downtown: 'owner' } },
  // The team that runs the platform: no membership anywhere.
  { email: 'operator@platform.demo', displayName: 'Olga Operator (platform)', memberships: {}, platformRole: 'platform:operator' },
  { email: 'support@platform.demo', displayName: 'Sam Support (platform)', memberships: {}, platformRole: 'platform:support' },
];

/** How many works the Songtrust client wrote among the publisher's many. */
export const CLIENT_WORK_COUNT = 5;
