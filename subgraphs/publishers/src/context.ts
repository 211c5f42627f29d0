import type DataLoader from 'dataloader';
import type { Publisher } from '@platform/db';
import type { RequestContext } from '@platform/server';
import { createPublisherLoader } from './services/loaders';
import type { InvitationDelivery } from './services/invitations';

export interface PublishersContext extends RequestContext {
  loaders: { publisher: DataLoader<string, Publisher | null> };
  invitations: InvitationDelivery;
}

export function publishersContext(invitations: InvitationDelivery) {
  return (base: RequestContext): PublishersContext => ({ ...base, loaders: { publisher: createPublisherLoader(base) }, invitations });
}
