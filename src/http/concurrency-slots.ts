/**
 * Caps on long-lived responses (SSE streams): at most `maxTotal` held at once, and at most
 * `maxPerKey` by one client, so one client cannot hold every socket the server will keep.
 * Taking a slot is synchronous, so the check and the reservation cannot be split by another
 * request; a slot is released exactly once.
 */
export type SlotRefusal = { scope: 'total' | 'client'; limit: number };

export interface Slot {
  release(): void;
}

export class ConcurrencySlots {
  private total = 0;
  private readonly perKey = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerKey: number,
  ) {}

  /** A slot, or why none is free. */
  acquire(key: string): Slot | SlotRefusal {
    const held = this.perKey.get(key) ?? 0;
    if (held >= this.maxPerKey) return { scope: 'client', limit: this.maxPerKey };
    if (this.total >= this.maxTotal) return { scope: 'total', limit: this.maxTotal };
    this.total += 1;
    this.perKey.set(key, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.perKey.get(key) ?? 1) - 1;
        if (left <= 0) this.perKey.delete(key);
        else this.perKey.set(key, left);
      },
    };
  }

  get held(): number {
    return this.total;
  }
}

export function isRefusal(result: Slot | SlotRefusal): result is SlotRefusal {
  return (result as SlotRefusal).scope !== undefined;
}
