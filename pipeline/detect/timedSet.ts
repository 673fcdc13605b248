/**
 * A set of distinct strings, each with the earliest event time it was seen at. Merging is a union that
 * keeps the minimum time, so applying an event twice or merging two copies in any order gives the same
 * value. A capped set keeps its `cap` earliest items (by time, then text), which is also order-independent.
 */
export type TimedSetJson = ReadonlyArray<readonly [string, number]>;

export class TimedSet {
  private readonly items = new Map<string, number>();
  /** True once an item was dropped to respect the cap: counts are then lower bounds. */
  saturated = false;

  constructor(readonly cap: number) {}

  get size(): number {
    return this.items.size;
  }

  add(item: string, time: number): void {
    const seen = this.items.get(item);
    if (seen !== undefined && seen <= time) return;
    this.items.set(item, time);
    if (this.items.size > this.cap) this.evictLatest();
  }

  has(item: string): boolean {
    return this.items.has(item);
  }

  mergeFrom(other: TimedSet): void {
    for (const [item, time] of other.items) this.add(item, time);
    if (other.saturated) this.saturated = true;
  }

  /** Items ordered by time, then text: the order the contract's arrays use. */
  sorted(limit = Number.POSITIVE_INFINITY): string[] {
    return [...this.items]
      .sort(compareEntries)
      .slice(0, limit)
      .map(([item]) => item);
  }

  /** The earliest item, deterministic whatever order items arrived in. */
  earliest(): string | undefined {
    let best: [string, number] | undefined;
    for (const entry of this.items) if (best === undefined || compareEntries(entry, best) < 0) best = entry;
    return best?.[0];
  }

  values(): IterableIterator<string> {
    return this.items.keys();
  }

  toJSON(): TimedSetJson {
    return [...this.items].sort(compareEntries);
  }

  static fromJSON(json: unknown, cap: number, saturated = false): TimedSet {
    const set = new TimedSet(cap);
    if (Array.isArray(json)) {
      for (const entry of json) {
        if (Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "number") set.add(entry[0], entry[1]);
      }
    }
    set.saturated = saturated;
    return set;
  }

  private evictLatest(): void {
    let worst: [string, number] | undefined;
    for (const entry of this.items) if (worst === undefined || compareEntries(entry, worst) > 0) worst = entry;
    if (worst) this.items.delete(worst[0]);
    this.saturated = true;
  }
}

function compareEntries(a: readonly [string, number], b: readonly [string, number]): number {
  return a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}
