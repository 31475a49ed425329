/**
 * In-process fan-out shared by every store: a backend feeds it whatever its transport
 * delivers (a full event, or only a hint that something new exists), and each subscriber
 * gets every event with a higher seq than the latest at subscription time, in order, once.
 * Gaps (a lost or out-of-order notification) are filled from the store itself.
 */
import type { GenerationEvent } from '../generation/index.js';

export interface EventSource {
  events(id: string, afterSeq?: number): Promise<GenerationEvent[]>;
  latestSeq(id: string): Promise<number>;
}

interface Subscription {
  listener: (event: GenerationEvent) => void;
  lastSeq: number;
  /** Serialises this subscriber's deliveries so they stay in seq order. */
  chain: Promise<void>;
}

export class EventHub {
  private readonly subs = new Map<string, Set<Subscription>>();
  /** Per id: the backend's start-listening call, awaited by every subscriber of that id. */
  private readonly listening = new Map<string, Promise<void>>();

  constructor(private readonly source: EventSource) {}

  ids(): string[] {
    return [...this.subs.keys()];
  }

  has(id: string): boolean {
    return this.subs.has(id);
  }

  /**
   * `onFirst` runs when `id` gains its first local subscriber (start listening), `onLast`
   * when it loses its last one (stop listening).
   */
  async subscribe(
    id: string,
    listener: (event: GenerationEvent) => void,
    hooks: { onFirst?: () => Promise<void>; onLast?: () => Promise<void> } = {},
  ): Promise<() => Promise<void>> {
    let set = this.subs.get(id);
    const first = !set;
    if (!set) {
      set = new Set();
      this.subs.set(id, set);
    }
    let initialised: () => void = () => {};
    // Deliveries queue behind initialisation, so a notification that races it is not lost.
    const sub: Subscription = { listener, lastSeq: 0, chain: new Promise<void>((r) => (initialised = r)) };
    set.add(sub);
    let active = true;
    const unsubscribe = async () => {
      if (!active) return;
      active = false;
      const current = this.subs.get(id);
      current?.delete(sub);
      if (current && current.size === 0) {
        this.subs.delete(id);
        this.listening.delete(id);
        await hooks.onLast?.();
      }
    };
    try {
      // Listen before reading the latest seq, so nothing committed in between is missed.
      if (first) this.listening.set(id, (hooks.onFirst ?? (async () => {}))());
      await this.listening.get(id);
      sub.lastSeq = await this.source.latestSeq(id);
    } catch (err) {
      initialised();
      await unsubscribe();
      throw err;
    }
    initialised();
    return unsubscribe;
  }

  /** Something new for `id`: the event itself when the transport carried it, else a hint. */
  dispatch(id: string, event?: GenerationEvent): void {
    const set = this.subs.get(id);
    if (!set) return;
    for (const sub of set) {
      sub.chain = sub.chain.then(() => this.deliver(id, sub, event)).catch(() => undefined);
    }
  }

  private async deliver(id: string, sub: Subscription, event?: GenerationEvent): Promise<void> {
    let batch: GenerationEvent[];
    if (event && event.seq <= sub.lastSeq) return;
    if (event && event.seq === sub.lastSeq + 1) batch = [event];
    else batch = await this.source.events(id, sub.lastSeq);
    for (const e of batch) {
      if (e.seq <= sub.lastSeq) continue;
      sub.lastSeq = e.seq;
      try {
        sub.listener(e);
      } catch {
        // A listener's failure is its own; other subscribers still get the event.
      }
    }
  }

  clear(): void {
    this.subs.clear();
    this.listening.clear();
  }
}
