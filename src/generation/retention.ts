/**
 * Removing finished generations: a client's `DELETE /v1/generations/{id}`, and the retention
 * sweep that removes every generation finished more than DIFFSCOPE_RETENTION_HOURS ago. Both go
 * the same way: the images first, then the record with its events in one store call, so a
 * storage failure leaves the record (still naming its images) and the removal can be tried again.
 * Only finished generations are removed: an active one could still get images written for it.
 *
 * Leader-free like the reconciler: any number of sweepers may run (each api-server runs one).
 * Two that pick the same generation both remove its images (what is already gone is no error)
 * and both ask the store to remove it; the store's delete lets one of them do it.
 */
import type { ObjectStore } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import type { GenerationStore } from './generation-store.js';
import { runPeriodically } from './periodic-pass.js';

export interface GenerationRemoval {
  /** Whether this call removed the record (false: already gone, or still active). */
  removed: boolean;
  /** Images removed from the object store. */
  images: number;
}

/**
 * Removes a finished generation's images (everything under `<id>/` and its `outputs`), then its
 * record and events. Without an object store only the record and events go.
 */
export async function removeFinishedGeneration(
  store: GenerationStore,
  objectStore: ObjectStore | undefined,
  id: string,
  outputs: readonly string[] = [],
): Promise<GenerationRemoval> {
  const images = objectStore ? await objectStore.removeGeneration(id, outputs) : 0;
  return { removed: await store.remove(id), images };
}

export interface RetentionSweeperOptions {
  store: GenerationStore;
  objectStore: ObjectStore;
  /** Finished generations older than this are removed; 0 or less: none is. */
  retentionMs: number;
  logger: Logger;
  /** Generations listed per store read (default 100). */
  batchSize?: number;
  /** Generations removed per pass at most (default 1000); the next pass goes on. */
  maxPerPass?: number;
}

export interface RetentionPass {
  /** Records removed by this pass. */
  generations: number;
  /** Images removed by this pass. */
  images: number;
}

export class RetentionSweeper {
  constructor(private readonly options: RetentionSweeperOptions) {}

  /** One pass; a store or storage failure ends it (thrown) and the next pass starts over. */
  async runOnce(now: number = Date.now()): Promise<RetentionPass> {
    const { store, objectStore, retentionMs, logger, batchSize = 100, maxPerPass = 1_000 } = this.options;
    const pass: RetentionPass = { generations: 0, images: 0 };
    if (retentionMs <= 0) return pass;
    const finishedBefore = now - retentionMs;
    for (let looked = 0; looked < maxPerPass;) {
      const limit = Math.min(batchSize, maxPerPass - looked);
      const ids = await store.listFinished({ finishedBefore, limit });
      looked += ids.length;
      for (const id of ids) {
        // Redis lists ids whose record already expired: their images are removed all the same.
        const record = await store.get(id);
        const removal = await removeFinishedGeneration(store, objectStore, id, record?.outputs ?? []);
        if (removal.removed) pass.generations++;
        pass.images += removal.images;
      }
      if (ids.length < limit) break;
    }
    if (pass.generations > 0 || pass.images > 0) {
      logger.info('retention_sweep', {
        generations_removed: pass.generations,
        images_removed: pass.images,
        retention_hours: retentionMs / 3_600_000,
      });
    }
    return pass;
  }

  /** Runs a pass every `intervalMs` (unref'd timer) until stopped; stop() waits for the pass in progress. */
  start(intervalMs: number): { stop(): Promise<void> } {
    return runPeriodically(
      () => this.runOnce(),
      intervalMs,
      (err) => this.options.logger.warn('retention_sweep_failed', { err }),
    );
  }
}
