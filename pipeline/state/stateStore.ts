/**
 * Where detection state lives between batches. Values are mergeable, so a store resolves a concurrent
 * write by re-reading and merging, never by overwriting. Keys are opaque strings; a store encodes them
 * as it needs (Table Storage forbids `/`, `\`, `#`, `?` and control characters in keys).
 *
 * Emissions are committed with the state write that produced them (the transactional outbox): a merge
 * that changes a key's value may carry one emission, written atomically with the value. So an emission
 * happens exactly when its state is first stored: a redelivered batch changes nothing and emits nothing,
 * and a crash cannot separate the two.
 */
import type { IncidentOutbox } from "./incidentOutbox.js";

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

/** An incident revision to emit, once, with the write of the state it was evaluated from. */
export interface Emission {
  /** `IncidentId#Revision`: a second write bringing the same id emits nothing. */
  readonly id: string;
  /** The incident row as JSON: kept until delivered by stores that hold an outbox. */
  readonly row: string;
}

/** Decides, for a merged value about to be written, what it emits (evaluated again on every retry). */
export type EmitFn<T> = (key: string, merged: T) => Emission | undefined;

export interface MergeOutcome<T> {
  /** The stored value after the merge. */
  readonly value: T;
  /** Committed together with this call's write of the key. */
  readonly emitted?: Emission;
  /** Evaluated, but an earlier write had already emitted this id. */
  readonly alreadyEmitted?: string;
}

/** How far (in event time) a source of events (an Event Hub partition) has been processed. */
export interface SourceProgress {
  readonly eventTime: number;
  /** Wall clock (epoch ms) of the last record: a source not heard from for long is idle or gone. */
  readonly recordedAt: number;
}

export interface ReadOptions {
  /**
   * Accept what this instance learned of a key up to this many milliseconds ago (wall clock) instead of
   * reading it again. Detection memory uses it: a fact another instance wrote may be seen that much later.
   */
  readonly maxStaleMs?: number;
}

export interface StateStore {
  /** Reads the stored values of these keys; absent keys are absent from the result. */
  read<T>(keys: readonly string[], codec: StateCodec<T>, options?: ReadOptions): Promise<Map<string, T>>;
  /**
   * Merges each value into what is stored and returns the stored result per key. For each key whose
   * stored value changes, `emit` may name an emission to commit with the write.
   */
  mergeWrite<T>(entries: ReadonlyMap<string, StateEntry<T>>, codec: StateCodec<T>, emit?: EmitFn<T>): Promise<Map<string, MergeOutcome<T>>>;
  /** Records a source's progress (kept as a maximum). */
  recordProgress(source: string, eventTime: number): Promise<void>;
  /** Every source's recorded progress. */
  progress(): Promise<Map<string, SourceProgress>>;
  /** Deletes entries and delivered emissions that expired before this event time; returns how many. */
  sweep(watermark: number): Promise<number>;
  /** The undelivered emissions, when this store keeps an outbox. */
  readonly outbox?: IncidentOutbox;
}
