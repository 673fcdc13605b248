/**
 * Emission ids this instance knows are claimed (by itself or by another instance), with their expiry, so
 * that an incident revision seen again in a later batch costs no request. Bounded: the oldest go first,
 * and forgetting one only costs a request that the table answers with 409.
 */
export class ClaimedIds {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly maxEntries: number) {}

  has(id: string): boolean {
    return this.expiries.has(id);
  }

  add(id: string, expiresAt: number): void {
    if (this.maxEntries <= 0) return;
    this.expiries.delete(id);
    this.expiries.set(id, expiresAt);
    for (const oldest of this.expiries.keys()) {
      if (this.expiries.size <= this.maxEntries) break;
      this.expiries.delete(oldest);
    }
  }

  sweep(watermark: number): void {
    for (const [id, expiresAt] of this.expiries) if (expiresAt < watermark) this.expiries.delete(id);
  }
}
