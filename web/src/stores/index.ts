export { createStore, useStore } from './store.js';
export type { Store } from './store.js';
export { catalogStore, loadOperations, loadServices } from './catalog-store.js';
export type { CatalogState } from './catalog-store.js';
