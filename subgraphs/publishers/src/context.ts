import type DataLoader from 'dataloader';
import type { Publisher } from '@platform/db';
import type { RequestContext } from '@platform/server';
import { createPublisherLoader } from './services/loaders';

export interface PublishersContext extends RequestContext {
  loaders: { publisher: DataLoader<string, Publisher | null> };
}

export function extendContext(base: RequestContext): PublishersContext {
  return { ...base, loaders: { publisher: createPublisherLoader(base) } };
}
