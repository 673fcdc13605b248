/**
 * What this instance learned of a key's stored value, and when (wall clock): present with its text, or
 * absent. Serves reads that accept a bounded staleness — detection memory, which nearly every batch asks
 * for and which rarely changes — so that a key costs one read per staleness period instead of one per
 * batch. This instance's own writes are recorded as they land, so it never sees its own lessons late.
 * Bounded by entries; least recently recorded go first.
 */
export interface Recalled {
  /** The stored text, or null when the key was absent. */
  readonly text: string | null;
  readonly at: number;
}

export class RecallCache {
  private readonly entries = new Map<string, Recalled>();

  constructor(private readonly maxEntries = 20_000) {}

  /** The entry if it was learned at or after `notBefore`. */
  get(key: string, notBefore: number): Recalled | undefined {
    const entry = this.entries.get(key);
    return entry && entry.at >= notBefore ? entry : undefined;
  }

  /** Records what a write stored, as of when it landed. */
  record(key: string, text: string | null, at: number): void {
    this.entries.delete(key);
    if (this.maxEntries === 0) return;
    this.entries.set(key, { text, at });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /**
   * Records what a read answered, as of when it was sent: an answer that was on its way while a write
   * landed never replaces what that write recorded.
   */
  recordRead(key: string, text: string | null, sentAt: number): void {
    const existing = this.entries.get(key);
    if (existing && existing.at >= sentAt) return;
    this.record(key, text, sentAt);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
