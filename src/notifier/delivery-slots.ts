/**
 * How many webhook attempts run at once: in all, per client and per receiving host, so one
 * client (or one slow host, whoever points at it) holds at most its own share of the slots
 * and everyone else's webhooks still go out. A waiter is served first-come first-served
 * among those whose client and host have room: a saturated key never blocks the others.
 */

export interface DeliverySlotLimits {
  /** Attempts in flight in all. */
  total: number;
  /** Attempts in flight for one client_id. */
  perClient: number;
  /** Attempts in flight to one host name (any port). */
  perHost: number;
}

export interface SlotKeys {
  client: string;
  host: string;
}

interface Waiter {
  keys: SlotKeys;
  grant: (release: () => void) => void;
}

export class DeliverySlots {
  private inFlight = 0;
  private readonly byClient = new Map<string, number>();
  private readonly byHost = new Map<string, number>();
  private readonly waiters: Waiter[] = [];

  constructor(readonly limits: DeliverySlotLimits) {}

  /** Waits for a slot; resolves with its release (call once). Rejects with the signal's reason if aborted first. */
  acquire(keys: SlotKeys, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length === 0 && this.fits(keys)) return Promise.resolve(this.take(keys));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        keys,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.serve();
    });
  }

  /** Attempts running now, and waiting for a slot (metrics, tests). */
  get usage(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight, waiting: this.waiters.length };
  }

  private fits(keys: SlotKeys): boolean {
    const { total, perClient, perHost } = this.limits;
    return this.inFlight < total && (this.byClient.get(keys.client) ?? 0) < perClient && (this.byHost.get(keys.host) ?? 0) < perHost;
  }

  private take(keys: SlotKeys): () => void {
    this.inFlight++;
    bump(this.byClient, keys.client, 1);
    bump(this.byHost, keys.host, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      bump(this.byClient, keys.client, -1);
      bump(this.byHost, keys.host, -1);
      this.serve();
    };
  }

  /** Hands free slots to the oldest waiters that fit, skipping those whose client or host is full. */
  private serve(): void {
    for (let i = 0; i < this.waiters.length && this.inFlight < this.limits.total;) {
      const waiter = this.waiters[i];
      if (!this.fits(waiter.keys)) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      waiter.grant(this.take(waiter.keys));
    }
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
