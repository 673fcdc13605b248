import type { StateCodec, StateEntry, StateStore } from "./stateStore.js";

/**
 * State in process memory, for replays that ask for it and for tests. Values are kept encoded, exactly
 * as a remote store would hold them, so a codec bug shows up here first.
 */
export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, { text: string; expiresAt: number }>();
  private readonly claims = new Map<string, number>();

  get size(): number {
    return this.entries.size;
  }

  async read<T>(keys: readonly string[], codec: StateCodec<T>): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (const key of keys) {
      const stored = this.entries.get(key);
      if (stored) out.set(key, codec.decode(stored.text));
    }
    return out;
  }

  async mergeWrite<T>(entries: ReadonlyMap<string, StateEntry<T>>, codec: StateCodec<T>): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (const [key, entry] of entries) {
      const stored = this.entries.get(key);
      const merged = stored ? codec.merge(codec.decode(stored.text), entry.value) : entry.value;
      this.entries.set(key, { text: codec.encode(merged), expiresAt: Math.max(entry.expiresAt, stored?.expiresAt ?? 0) });
      out.set(key, merged);
    }
    return out;
  }

  async claim(id: string, expiresAt: number): Promise<boolean> {
    if (this.claims.has(id)) return false;
    this.claims.set(id, expiresAt);
    return true;
  }

  async sweep(watermark: number): Promise<number> {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt < watermark) {
        this.entries.delete(key);
        removed++;
      }
    }
    for (const [id, expiresAt] of this.claims) {
      if (expiresAt < watermark) {
        this.claims.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
