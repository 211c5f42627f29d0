import type { PlanFeature, PlanResolvers } from '../generated/resolvers-types';

export const Plan: PlanResolvers = {
  apiCallsPerMonth: (plan) => (plan.apiCallsPerMonth === null ? null : Number(plan.apiCallsPerMonth)),
  features: (plan) => plan.features.map((feature) => feature.toUpperCase() as PlanFeature),
};
