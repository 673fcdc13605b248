/**
 * What this instance last read or wrote, per state key: the encoded value, its ETag and expiry. A write
 * based on a cached entry carries the cached ETag, so a stale entry can cost a 412 and a re-read, never an
 * overwrite of newer data. Bounded by entries and by characters; least recently used entries go first.
 */
export interface CachedEntity {
  readonly text: string;
  readonly etag: string;
  readonly expiresAt: number;
}

export interface CacheLimits {
  /** Default 20,000 keys. */
  readonly maxEntries?: number;
  /** Default 16M characters of encoded values (about 32 MB). */
  readonly maxChars?: number;
}

export class EntityCache {
  /** Map order is recency order: a hit moves the entry to the end. */
  private readonly entries = new Map<string, CachedEntity>();
  private chars = 0;
  private readonly maxEntries: number;
  private readonly maxChars: number;

  constructor(limits: CacheLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 20_000;
    this.maxChars = limits.maxChars ?? 16_000_000;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedEntity | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: CachedEntity): void {
    this.delete(key);
    if (entry.text.length > this.maxChars || this.maxEntries === 0) return;
    this.entries.set(key, entry);
    this.chars += entry.text.length;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= old.text.length;
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.chars -= old.text.length;
  }

  /** Forgets entries that expired before the watermark, as the table does when swept. */
  sweep(watermark: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt < watermark) this.delete(key);
  }
}
