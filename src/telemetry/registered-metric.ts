import type { Registry, RegistryContentType } from 'prom-client';

/**
 * The metric registered under `name`, or the one `create` makes (and registers): a component
 * built twice against one registry (tests, a restarted component) shares its metrics instead of
 * prom-client throwing "already registered".
 */
export function registeredMetric<T>(registry: Registry<RegistryContentType>, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
