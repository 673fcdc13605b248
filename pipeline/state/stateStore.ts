/**
 * Where detection state lives between batches. Values are mergeable, so a store resolves a concurrent
 * write by re-reading and merging, never by overwriting. Keys are opaque strings; a store encodes them
 * as it needs (Table Storage forbids `/`, `\`, `#`, `?` and control characters in keys).
 */
export interface StateCodec<T> {
  /** Merges `from` into `into` and returns the result; must be commutative, associative and idempotent. */
  merge(into: T, from: T): T;
  encode(value: T): string;
  decode(text: string): T;
}

export interface StateEntry<T> {
  readonly value: T;
  /** Event time (epoch ms) after which the entry can no longer matter and may be deleted. */
  readonly expiresAt: number;
}

export interface StateStore {
  /** Reads the stored values of these keys; absent keys are absent from the result. */
  read<T>(keys: readonly string[], codec: StateCodec<T>): Promise<Map<string, T>>;
  /** Merges each value into what is stored and returns the stored result, per key. */
  mergeWrite<T>(entries: ReadonlyMap<string, StateEntry<T>>, codec: StateCodec<T>): Promise<Map<string, T>>;
  /** Records that `id` was emitted; false when some instance already did. Insert-if-absent. */
  claim(id: string, expiresAt: number): Promise<boolean>;
  /** Deletes entries and claims that expired before this event time; returns how many. */
  sweep(watermark: number): Promise<number>;
}
