/**
 * LRU cache of loaded models under a memory budget. A model's size is estimated from its ONNX
 * files on disk (weights dominate ONNX Runtime's memory for these graphs). Models in use by a
 * running request are never evicted; the most recently used model always stays, even when it
 * alone exceeds the budget (otherwise it would be reloaded on every request). Concurrent
 * requests for a model being loaded share the one load.
 */
import type { LoadedModel } from './loaded-model.js';
import { releaseSessions } from './loaded-model.js';

interface Entry {
  key: string;
  model: LoadedModel;
  users: number;
}

export interface CacheLease {
  model: LoadedModel;
  hit: boolean;
  release(): void;
}

export interface ModelCacheOptions {
  budgetBytes: number;
  onEvict?: (model: LoadedModel) => void;
}

export class ModelCache {
  // Map iteration order is insertion order: re-inserting on use keeps it LRU → MRU.
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly budgetBytes: number;
  private readonly onEvict?: (model: LoadedModel) => void;

  constructor(options: ModelCacheOptions) {
    this.budgetBytes = options.budgetBytes;
    this.onEvict = options.onEvict;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.model.sizeBytes;
    return total;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  async acquire(key: string, load: () => Promise<LoadedModel>): Promise<CacheLease> {
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return this.lease(cached, true);
    }
    let pending = this.loading.get(key);
    const loader = pending === undefined;
    if (!pending) {
      pending = load().then((model) => {
        const entry: Entry = { key, model, users: 0 };
        this.entries.set(key, entry);
        return entry;
      });
      this.loading.set(key, pending);
      pending.then(
        () => this.loading.delete(key),
        () => this.loading.delete(key),
      );
    }
    const entry = await pending;
    const lease = this.lease(entry, !loader);
    this.evict();
    return lease;
  }

  private lease(entry: Entry, hit: boolean): CacheLease {
    entry.users++;
    let released = false;
    return {
      model: entry.model,
      hit,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        this.evict();
      },
    };
  }

  private evict(): void {
    let total = this.sizeBytes;
    if (total <= this.budgetBytes) return;
    const newest = [...this.entries.keys()].pop();
    for (const entry of [...this.entries.values()]) {
      if (total <= this.budgetBytes) break;
      if (entry.users > 0 || entry.key === newest) continue;
      this.entries.delete(entry.key);
      total -= entry.model.sizeBytes;
      this.onEvict?.(entry.model);
      void releaseSessions([entry.model.textEncoder, entry.model.unet, entry.model.vaeDecoder]);
    }
  }

  /** Drop every model (those in use are released when their request ends). */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => releaseSessions([e.model.textEncoder, e.model.unet, e.model.vaeDecoder])));
  }
}
