import { fetchOperations, fetchServices } from '../api/client.js';
import { createStore } from './store.js';

// App-wide and long-lived: the service and operation names change rarely, so every page shares one copy.
export interface CatalogState {
  services: string[];
  operations: Record<string, string[]>;
  error?: string;
}

export const catalogStore = createStore<CatalogState>({ services: [], operations: {} });

let servicesLoading: Promise<void> | undefined;

export function loadServices(force = false): Promise<void> {
  if (servicesLoading && !force) return servicesLoading;
  servicesLoading = fetchServices()
    .then((services) => catalogStore.set((s) => ({ ...s, services: [...services].sort(), error: undefined })))
    .catch((err: unknown) => catalogStore.set((s) => ({ ...s, error: String(err) })));
  return servicesLoading;
}

export function loadOperations(service: string): void {
  if (!service || catalogStore.get().operations[service]) return;
  fetchOperations(service)
    .then((ops) => catalogStore.set((s) => ({ ...s, operations: { ...s.operations, [service]: [...ops].sort() } })))
    .catch(() => undefined);
}
