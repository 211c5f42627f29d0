import type { RequestContext } from '@platform/server';
import { createLoaders, type CatalogLoaders } from './services/loaders';

export interface CatalogContext extends RequestContext {
  loaders: CatalogLoaders;
}

export function extendContext(base: RequestContext): CatalogContext {
  return { ...base, loaders: createLoaders(base) };
}
