/** Resources repeat in every export: one shared ResourceInfo per distinct attribute set, per thread. */
import { buildResource, type Attributes, type ResourceInfo } from './model.js';

const MAX_CACHED = 10_000;
const cache = new Map<string, ResourceInfo>();

export function internResource(attributes: Attributes): ResourceInfo {
  const key = JSON.stringify(attributes);
  let cached = cache.get(key);
  if (!cached) {
    if (cache.size >= MAX_CACHED) cache.clear();
    cached = buildResource(attributes, key);
    cache.set(key, cached);
  }
  return cached;
}
