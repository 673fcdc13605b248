/**
 * `--rate`: a token bucket counted in records (audit events), not messages, since one AKS message carries
 * many records and a deployed stack's load is records. Taking more tokens than are left runs a debt that
 * the caller waits off, so a message larger than the bucket still goes out, and the long-run rate holds.
 */
export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(
    /** Tokens per second. */
    private readonly rate: number,
    /** Burst: the most tokens that can pile up while idle. */
    private readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes `count` tokens at `now` (ms) and returns how long to wait (ms) before using them. */
  take(count: number, now: number): number {
    if (this.last !== undefined) this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= count;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }
}
