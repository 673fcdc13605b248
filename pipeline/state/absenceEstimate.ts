/**
 * Whether a state key this instance has not cached is probably absent from the table, learned from what
 * recent reads and inserts found. Most keys carry a time window, so a lone instance mostly meets new keys
 * and a point read of each would mostly answer 404. When absence is likely, the store inserts without
 * reading first: one request instead of two. Safe either way, since the insert is conditional: if the
 * key exists after all, the insert fails with 409 and the key is read, merged and written as usual. When
 * several instances share actors, other instances usually created the key first, the estimate falls and
 * the store goes back to reading first (a failed insert plus a read costs more than a read).
 */
export class AbsenceEstimate {
  /**
   * Exponentially weighted share of recent cache misses that were absent. Starts just under the threshold:
   * reads first, and a few new keys in a row are enough to switch.
   */
  private share = 0.5;

  constructor(
    private readonly weight = 0.1,
    /** Inserting blind pays when more than half the misses are absent; a margin avoids flapping. */
    private readonly threshold = 0.6,
  ) {}

  observe(absent: boolean): void {
    this.share += this.weight * ((absent ? 1 : 0) - this.share);
  }

  get likelyAbsent(): boolean {
    return this.share > this.threshold;
  }
}
