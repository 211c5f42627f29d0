import type DataLoader from 'dataloader';
import type { Publisher } from '@platform/db';
import type { RequestContext } from '@platform/access';
import { createPublisherLoader } from './loaders';
import type { InvitationDelivery } from './invitations/invitations';

export interface PublishersContext extends RequestContext {
  loaders: { publisher: DataLoader<string, Publisher | null> };
  invitations: InvitationDelivery;
}

export function publishersContext(invitations: InvitationDelivery) {
  return (base: RequestContext): PublishersContext => ({ ...base, loaders: { publisher: createPublisherLoader(base) }, invitations });
}
