import { FIRST_LEASE_MS, type DeliveryFailure, type IncidentOutbox, type LeaseOptions, type PendingEmission } from "./incidentOutbox.js";
import type { EmitFn, MergeOutcome, SourceProgress, StateCodec, StateEntry, StateStore } from "./stateStore.js";

export interface MemoryStateStoreOptions {
  /** Keep committed emissions as pending until delivered (replay to Log Analytics). Default false. */
  readonly outbox?: boolean;
  /** Wall clock for leases and progress records. */
  readonly now?: () => number;
}

interface Pending {
  readonly row: string;
  attempts: number;
  lastError?: string;
  leaseUntil: number;
}

/**
 * State in process memory, for replays that ask for it and for tests. Values are kept encoded, exactly
 * as a remote store would hold them, so a codec bug shows up here first.
 */
export class MemoryStateStore implements StateStore {
  readonly outbox: IncidentOutbox | undefined;
  private readonly entries = new Map<string, { text: string; expiresAt: number }>();
  private readonly emitted = new Map<string, number>();
  private readonly pendingRows = new Map<string, Pending>();
  private readonly sources = new Map<string, SourceProgress>();
  private readonly now: () => number;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.outbox = options.outbox ? new MemoryOutbox(this.pendingRows) : undefined;
  }

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

  async mergeWrite<T>(entries: ReadonlyMap<string, StateEntry<T>>, codec: StateCodec<T>, emit?: EmitFn<T>): Promise<Map<string, MergeOutcome<T>>> {
    const out = new Map<string, MergeOutcome<T>>();
    for (const [key, entry] of entries) {
      const stored = this.entries.get(key);
      const value = stored ? codec.merge(codec.decode(stored.text), entry.value) : entry.value;
      const text = codec.encode(value);
      const expiresAt = Math.max(entry.expiresAt, stored?.expiresAt ?? Number.NEGATIVE_INFINITY);
      if (stored && stored.text === text && expiresAt <= stored.expiresAt) {
        out.set(key, { value });
        continue;
      }
      this.entries.set(key, { text, expiresAt });
      const emission = emit?.(key, value);
      if (!emission) out.set(key, { value });
      else if (this.emitted.has(emission.id)) out.set(key, { value, alreadyEmitted: emission.id });
      else {
        this.emitted.set(emission.id, expiresAt);
        if (this.outbox) this.pendingRows.set(emission.id, { row: emission.row, attempts: 0, leaseUntil: this.now() + FIRST_LEASE_MS });
        out.set(key, { value, emitted: emission });
      }
    }
    return out;
  }

  async recordProgress(source: string, eventTime: number): Promise<void> {
    const known = this.sources.get(source);
    this.sources.set(source, { eventTime: Math.max(eventTime, known?.eventTime ?? eventTime), recordedAt: this.now() });
  }

  async progress(): Promise<Map<string, SourceProgress>> {
    return new Map(this.sources);
  }

  async sweep(watermark: number): Promise<number> {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt < watermark) {
        this.entries.delete(key);
        removed++;
      }
    }
    for (const [id, expiresAt] of this.emitted) {
      if (expiresAt < watermark && !this.pendingRows.has(id)) {
        this.emitted.delete(id);
        removed++;
      }
    }
    return removed;
  }
}

class MemoryOutbox implements IncidentOutbox {
  constructor(private readonly rows: Map<string, Pending>) {}

  async lease({ now, leaseMs, limit }: LeaseOptions): Promise<PendingEmission[]> {
    const leased: PendingEmission[] = [];
    for (const [id, pending] of this.rows) {
      if (leased.length >= limit) break;
      if (pending.leaseUntil > now) continue;
      pending.leaseUntil = now + leaseMs;
      leased.push(emissionOf(id, pending));
    }
    return leased;
  }

  async markDelivered(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.rows.delete(id);
  }

  async markFailed(failures: readonly DeliveryFailure[]): Promise<void> {
    for (const { id, error, retryAt } of failures) {
      const pending = this.rows.get(id);
      if (!pending) continue;
      pending.attempts++;
      pending.lastError = error;
      pending.leaseUntil = retryAt;
    }
  }

  async pending(): Promise<PendingEmission[]> {
    return [...this.rows].map(([id, pending]) => emissionOf(id, pending));
  }
}

function emissionOf(id: string, pending: Pending): PendingEmission {
  return { id, row: pending.row, attempts: pending.attempts, ...(pending.lastError === undefined ? {} : { lastError: pending.lastError }) };
}
