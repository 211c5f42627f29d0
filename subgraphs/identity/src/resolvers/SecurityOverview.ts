import type { SecurityEventResolvers, SecurityOverviewResolvers } from '../generated/resolvers-types';
import { recentSecurityEvents, securityAlertRules, securityAlerts, securityEventCounts } from '../security/security-overview';

export const SecurityOverview: SecurityOverviewResolvers = {
  counts: (overview, _, ctx) => ctx.read((tx) => securityEventCounts(tx, overview)),
  alerts: (overview, _, ctx) => ctx.read((tx) => securityAlerts(tx, overview)),
  alertRules: (overview, _, ctx) => ctx.read((tx) => securityAlertRules(tx, overview)),
  recentEvents: (overview, { first, kind }, ctx) => ctx.read((tx) => recentSecurityEvents(tx, overview, { first, kind })),
};

export const SecurityEvent: SecurityEventResolvers = {
  user: (event, _, ctx) => (event.userId ? ctx.loaders.user.load(event.userId) : null),
};
