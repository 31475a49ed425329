/**
 * The batcher's waiting room: requests grouped by batch key (src/inference/batch-key.ts), a
 * group closing when it holds `maxImages` images or when `windowMs` passed since its first
 * member arrived. Pure bookkeeping with no spans or pipeline, so its rules are tested alone.
 */

export interface Waiting {
  key: string;
  images: number;
}

export interface Group<W extends Waiting> {
  key: string;
  members: W[];
  images: number;
  /** Full, or its window passed: runs as soon as the pipeline is free. */
  ready: boolean;
  openedAt: number;
}

export class BatchGroups<W extends Waiting> {
  /** In arrival order of their first member: the oldest ready group runs first. */
  private readonly groups: Group<W>[] = [];

  constructor(private readonly maxImages: number) {}

  /**
   * Joins the waiting group of its key with room for it, or opens one. A group whose window has
   * passed still takes members until it runs: while the pipeline is busy, it keeps filling.
   */
  add(member: W, now: number): Group<W> {
    let group = this.groups.find((g) => g.key === member.key && g.images + member.images <= this.maxImages);
    if (!group) {
      group = { key: member.key, members: [], images: 0, ready: false, openedAt: now };
      this.groups.push(group);
    }
    group.members.push(member);
    group.images += member.images;
    if (group.images >= this.maxImages) group.ready = true;
    return group;
  }

  /** Takes a member out before its group ran (canceled while waiting); false if it is not waiting. */
  remove(member: W): boolean {
    for (let i = 0; i < this.groups.length; i++) {
      const group = this.groups[i];
      const at = group.members.indexOf(member);
      if (at < 0) continue;
      group.members.splice(at, 1);
      group.images -= member.images;
      if (group.members.length === 0) this.groups.splice(i, 1);
      return true;
    }
    return false;
  }

  /** The oldest ready group, taken out of the waiting room. */
  takeReady(): Group<W> | undefined {
    const at = this.groups.findIndex((g) => g.ready);
    return at < 0 ? undefined : this.groups.splice(at, 1)[0];
  }

  /** Every waiting group, ready or not (the batcher is closing). */
  takeAll(): Group<W>[] {
    return this.groups.splice(0, this.groups.length);
  }

  get size(): number {
    return this.groups.length;
  }
}
