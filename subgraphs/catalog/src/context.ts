import type { RequestContext } from '@platform/access';
import { createLoaders, type CatalogLoaders } from './loaders';

export interface CatalogContext extends RequestContext {
  loaders: CatalogLoaders;
  /** Per work id: whether a client restricted to own works wrote it (see permissions.ts). */
  ownWorkChecks: Map<string, Promise<boolean>>;
}

export function extendContext(base: RequestContext): CatalogContext {
  return { ...base, loaders: createLoaders(base), ownWorkChecks: new Map() };
}
