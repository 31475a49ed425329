/**
 * Queue places for one api-server process: one store snapshot serves every status read and
 * every open event stream for `refreshMs` (so a thousand clients polling cost one query per
 * interval, not a thousand), and streams are told when their generation's place changes.
 * The timer runs only while a stream watches.
 */
import type { GenerationStore } from './generation-store.js';
import { estimateQueuePlaces, type QueueEstimateOptions, type QueuePlace } from './queue-position.js';

export type { QueuePlace };

export interface QueueWatchOptions extends QueueEstimateOptions {
  store: Pick<GenerationStore, 'queueSnapshot'>;
  /** How old a snapshot may be before it is read again, and how often watchers are checked (default 1000 ms). */
  refreshMs?: number;
  /** Recent runs read for the throughput window (default 100). */
  recentRuns?: number;
}

interface Snapshot {
  at: number;
  places: Map<string, QueuePlace>;
}

interface Watcher {
  listener: (place: QueuePlace) => void;
  last?: QueuePlace;
}

/** Worth telling a stream: a new place, an estimate appearing or going, or an estimate that moved by more than a fifth (and 1 s). */
function changed(before: QueuePlace | undefined, now: QueuePlace): boolean {
  if (!before || before.position !== now.position) return true;
  if ((before.etaMs === null) !== (now.etaMs === null)) return true;
  if (before.etaMs === null || now.etaMs === null) return false;
  const delta = Math.abs(before.etaMs - now.etaMs);
  return delta > 1_000 && delta > before.etaMs / 5;
}

export class QueueWatch {
  private readonly refreshMs: number;
  private snapshot: Snapshot | undefined;
  private reading: Promise<Snapshot | undefined> | undefined;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: QueueWatchOptions) {
    this.refreshMs = options.refreshMs ?? 1_000;
  }

  /** One store read at a time; a failed read leaves the last snapshot (places are best effort). */
  private read(): Promise<Snapshot | undefined> {
    this.reading ??= this.options.store
      .queueSnapshot({ recentRuns: this.options.recentRuns ?? 100 })
      .then(
        (snapshot) => (this.snapshot = { at: Date.now(), places: estimateQueuePlaces(snapshot, this.options) }),
        () => this.snapshot,
      )
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** The place of a queued generation; undefined when it is not queued (or the store cannot say). */
  async place(id: string): Promise<QueuePlace | undefined> {
    const cached = this.snapshot;
    // A generation missing from a recent snapshot may be younger than it: read again once.
    if (cached && Date.now() - cached.at < this.refreshMs && cached.places.has(id)) return cached.places.get(id);
    return (await this.read())?.places.get(id);
  }

  /** Calls `listener` with the generation's place now and whenever it changes while queued. */
  watch(id: string, listener: (place: QueuePlace) => void): () => void {
    const watcher: Watcher = { listener };
    const set = this.watchers.get(id) ?? new Set<Watcher>();
    set.add(watcher);
    this.watchers.set(id, set);
    this.timer ??= setInterval(() => void this.tick(), this.refreshMs).unref();
    void this.place(id).then((place) => {
      if (set.has(watcher)) this.tell(watcher, place);
    });
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(id) === set) this.watchers.delete(id);
      if (this.watchers.size === 0) this.stop();
    };
  }

  private tell(watcher: Watcher, place: QueuePlace | undefined): void {
    if (!place) {
      watcher.last = undefined; // started (or gone): a later requeue is news again
      return;
    }
    if (!changed(watcher.last, place)) return;
    watcher.last = place;
    watcher.listener(place);
  }

  private async tick(): Promise<void> {
    const snapshot = await this.read();
    if (!snapshot) return;
    for (const [id, set] of this.watchers) for (const watcher of set) this.tell(watcher, snapshot.places.get(id));
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.watchers.clear();
    this.stop();
  }
}
