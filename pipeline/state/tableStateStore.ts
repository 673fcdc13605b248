/**
 * Detection state in Azure Table Storage, shared by every instance of a scaled-out deployment.
 *
 * One table holds state values (one entity per state key) and, beside each, the emissions evaluated from
 * it (tableOutbox.ts). Per batch the engine calls `mergeWrite` once with every touched key: each key is
 * taken from the instance cache or read once (parallel point reads), merged with the codec, and written
 * once, conditionally (ETag or insert-if-absent), grouped into transactions per PartitionKey; an emission
 * is inserted in the same transaction as its state. A key whose write conflicts is re-read, merged and
 * written again, with jittered backoff, a bounded number of times. A key whose merge changes nothing (a
 * redelivered batch) is not written at all, and emits nothing.
 *
 * Layout and limits: keys in tableKeys.ts, values in entityValue.ts, writes in entityWrites.ts.
 */
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import { AbsenceEstimate } from "./absenceEstimate.js";
import { KeyLocks, mapLimit } from "./concurrency.js";
import { type CachedEntity, type CacheLimits, EntityCache } from "./entityCache.js";
import { RecallCache } from "./recallCache.js";
import { fromProperties, toProperties, ValueTooLargeError } from "./entityValue.js";
import { type PlannedWrite, sendWrites } from "./entityWrites.js";
import { FIRST_LEASE_MS } from "./incidentOutbox.js";
import { backoffMs, classify, type ResolvedRetry, type RetrySettings, resolveRetry, sleep, statusOf, withTransientRetry } from "./retry.js";
import type { Emission, EmitFn, MergeOutcome, ReadOptions, SourceProgress, StateCodec, StateEntry, StateStore } from "./stateStore.js";
import { type StateOperation, StateStoreError } from "./stateStoreError.js";
import { type TableConnection, tableClient } from "./tableConnection.js";
import { type TableKey, tableKeyOf, unescapeKey } from "./tableKeys.js";
import { emissionEntity, TableOutbox } from "./tableOutbox.js";

export interface TableStoreSettings {
  /** Default `kubetrailstate`. */
  readonly stateTable?: string;
  /**
   * Keep each emitted incident row as pending until it is delivered (the Function, replay to Log
   * Analytics). Otherwise only the claim is stored (replay to a file). Default false.
   */
  readonly outbox?: boolean;
  /** Wall clock for leases; detection time is always event time. */
  readonly now?: () => number;
  /** Hash buckets per detection (1–100). Part of the table layout: keep it fixed for a table. Default 8. */
  readonly partitionBuckets?: number;
  /** Point reads in flight at once. Default 16. */
  readonly readConcurrency?: number;
  /** Writes and transactions in flight at once. Default 8. */
  readonly writeConcurrency?: number;
  readonly cache?: CacheLimits;
  readonly retry?: RetrySettings;
  /**
   * For keys neither cached nor read: `adaptive` (default) inserts without reading first while most such
   * keys turn out new (see absenceEstimate.ts); `never` always reads first.
   */
  readonly blindInserts?: "adaptive" | "never";
  /** Jitter source; tests pass a seeded one. */
  readonly random?: () => number;
}

export type TableStateStoreOptions = TableConnection & TableStoreSettings;

/** Counters since the store was made; a benchmark divides `requests` by events for transactions per event. */
export interface TableStoreStats {
  /** Point reads sent (a 404 for an absent key is billed too). */
  reads: number;
  /** Keys whose stored value came from the instance cache instead of a read. */
  cacheHits: number;
  /** Keys a read with maxStaleMs answered from what this instance already knew. */
  recallHits: number;
  /** Single-entity inserts and updates sent. */
  writes: number;
  /** Entity-group transactions sent, and the entities they carried. */
  batches: number;
  batchedEntities: number;
  /** Keys whose merge changed nothing, so nothing was written. */
  unchanged: number;
  /** Keys inserted without a read because they were probably new (a wrong guess shows as a conflict). */
  blindInserts: number;
  /** 412, 409 or 404 answers that sent a key back to be re-read and merged. */
  conflicts: number;
  /** Emissions inserted with their state's write. */
  emissions: number;
  /** Emissions found already stored by another write of the same revision. */
  emissionsTaken: number;
  /** Query pages and deletes sent while sweeping. */
  sweepRequests: number;
  /** Steps this store tried again after a transient failure (on top of the SDK's own retries). */
  retries: number;
  /** Every HTTP request sent, SDK retries and table creation included: the account's transactions. */
  requests: number;
}

export function emptyTableStoreStats(): TableStoreStats {
  return {
    reads: 0,
    cacheHits: 0,
    recallHits: 0,
    writes: 0,
    batches: 0,
    batchedEntities: 0,
    unchanged: 0,
    blindInserts: 0,
    conflicts: 0,
    emissions: 0,
    emissionsTaken: 0,
    sweepRequests: 0,
    retries: 0,
    requests: 0,
  };
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

/** Progress records: `["progress", source]` keys, so their PartitionKeys are `progress.NN`. */
const PROGRESS = "progress";
/** A source silent this long (event time past its last record) is gone; its record may go too. */
const PROGRESS_TTL_MS = 7 * 24 * 60 * 60_000;

function progressKeyOf(source: string): string {
  return JSON.stringify([PROGRESS, source]);
}

/**
 * Progress: the event time reached, and when (this store's clock, the one the sweep compares with, not
 * the service's Timestamp). Merging keeps the later of each.
 */
const progressCodec: StateCodec<SourceProgress> = {
  merge: (into, from) => ({ eventTime: Math.max(into.eventTime, from.eventTime), recordedAt: Math.max(into.recordedAt, from.recordedAt) }),
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as SourceProgress,
};

export class TableStateStore implements StateStore {
  readonly stats: TableStoreStats = emptyTableStoreStats();
  readonly stateTable: string;
  readonly outbox: TableOutbox | undefined;
  private readonly state: TableClient;
  private readonly retry: ResolvedRetry;
  private readonly random: () => number;
  private readonly buckets: number;
  private readonly readConcurrency: number;
  private readonly writeConcurrency: number;
  private readonly cache: EntityCache;
  private readonly recall = new RecallCache();
  private readonly now: () => number;
  private readonly locks = new KeyLocks();
  private readonly absence: AbsenceEstimate | undefined;
  private opened: Promise<void> | undefined;

  constructor(options: TableStateStoreOptions) {
    this.stateTable = options.stateTable ?? "kubetrailstate";
    if (!TABLE_NAME.test(this.stateTable)) throw new Error(`table name '${this.stateTable}' must be 3–63 letters and digits, starting with a letter`);
    this.buckets = options.partitionBuckets ?? 8;
    if (!Number.isInteger(this.buckets) || this.buckets < 1 || this.buckets > 100) throw new Error("partitionBuckets must be an integer from 1 to 100");
    this.retry = resolveRetry(options.retry);
    this.random = options.random ?? Math.random;
    this.readConcurrency = options.readConcurrency ?? 16;
    this.writeConcurrency = options.writeConcurrency ?? 8;
    this.cache = new EntityCache(options.cache);
    this.now = options.now ?? Date.now;
    this.absence = options.blindInserts === "never" ? undefined : new AbsenceEstimate();
    const onRequest = () => {
      this.stats.requests++;
    };
    this.state = tableClient(options, this.stateTable, this.retry, onRequest);
    this.outbox = options.outbox
      ? new TableOutbox({
          client: this.state,
          concurrency: this.writeConcurrency,
          attempt: async (request) => {
            await this.ready();
            return this.attempt(request);
          },
          failure: (error, count) => this.failure("outbox", count, this.stateTable, error),
        })
      : undefined;
  }

  /** Creates the tables if absent. Every operation does it first; call it to fail fast on bad settings. */
  async open(): Promise<void> {
    try {
      await this.ready();
    } catch (error) {
      throw this.failure("open", 0, this.stateTable, error);
    }
  }

  private ready(): Promise<void> {
    if (!this.opened) {
      const opening = this.createTable(this.state);
      // A failed open is tried again by the next operation rather than remembered forever.
      opening.catch(() => {
        if (this.opened === opening) this.opened = undefined;
      });
      this.opened = opening;
    }
    return this.opened;
  }

  async read<T>(keys: readonly string[], codec: StateCodec<T>, options: ReadOptions = {}): Promise<Map<string, T>> {
    const unique = [...new Set(keys)];
    const out = new Map<string, T>();
    if (unique.length === 0) return out;
    // Without maxStaleMs, always from the table: a read has no ETag to catch a stale cache, and another
    // instance may have written since. The reads refresh the caches for the mergeWrite that usually follows.
    let toFetch = unique;
    if (options.maxStaleMs !== undefined) {
      const notBefore = this.now() - options.maxStaleMs;
      toFetch = [];
      for (const key of unique) {
        const recalled = this.recall.get(key, notBefore);
        if (recalled === undefined) toFetch.push(key);
        else if (recalled.text !== null) out.set(key, codec.decode(recalled.text));
      }
      this.stats.recallHits += unique.length - toFetch.length;
      if (toFetch.length === 0) return out;
    }
    try {
      await this.ready();
      const stored = await this.fetch(toFetch);
      for (const [key, entity] of stored) if (entity) out.set(key, codec.decode(entity.text));
      return out;
    } catch (error) {
      throw this.failure("read", toFetch.length, this.stateTable, error);
    }
  }

  async mergeWrite<T>(entries: ReadonlyMap<string, StateEntry<T>>, codec: StateCodec<T>, emit?: EmitFn<T>): Promise<Map<string, MergeOutcome<T>>> {
    if (entries.size === 0) return new Map();
    const keys = [...entries.keys()];
    const release = await this.locks.acquire(keys);
    try {
      await this.ready();
      return await this.mergeLocked(entries, codec, emit);
    } catch (error) {
      throw this.failure("mergeWrite", keys.length, this.stateTable, error);
    } finally {
      release();
    }
  }

  async recordProgress(source: string, eventTime: number): Promise<void> {
    const entry = { value: { eventTime, recordedAt: this.now() }, expiresAt: eventTime + PROGRESS_TTL_MS };
    await this.mergeWrite(new Map([[progressKeyOf(source), entry]]), progressCodec);
  }

  async progress(): Promise<Map<string, SourceProgress>> {
    try {
      await this.ready();
      return await this.attempt(async () => {
        const found = new Map<string, SourceProgress>();
        const filter = odata`PartitionKey ge ${`${PROGRESS}.`} and PartitionKey lt ${`${PROGRESS}/`}`;
        for await (const entity of this.state.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
          if (entity.rowKey === undefined) continue;
          const [, source] = JSON.parse(unescapeKey(entity.rowKey)) as [string, string];
          const text = fromProperties(entity);
          if (text === undefined) continue;
          found.set(source, progressCodec.decode(text));
        }
        return found;
      });
    } catch (error) {
      throw this.failure("progress", 0, this.stateTable, error);
    }
  }

  async sweep(watermark: number): Promise<number> {
    if (Number.isNaN(watermark) || watermark === Number.NEGATIVE_INFINITY) return 0;
    this.cache.sweep(watermark);
    try {
      await this.ready();
      // Pending emissions expire at the largest Int64: a sweep never deletes an undelivered row.
      const bound = Math.min(Number.isFinite(watermark) ? Math.ceil(watermark) : Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1);
      return await this.sweepTable(this.state, bound);
    } catch (error) {
      throw this.failure("sweep", 0, this.stateTable, error);
    }
  }

  private async mergeLocked<T>(
    entries: ReadonlyMap<string, StateEntry<T>>,
    codec: StateCodec<T>,
    emit: EmitFn<T> | undefined,
  ): Promise<Map<string, MergeOutcome<T>>> {
    const merged = new Map<string, MergeOutcome<T>>();
    const known = new Map<string, CachedEntity | null>();
    for (const key of entries.keys()) {
      const cached = this.cache.get(key);
      if (cached) {
        known.set(key, cached);
        this.stats.cacheHits++;
      }
    }
    // Keys inserted on a guess that they are absent: their outcome teaches the estimate.
    const guessed = new Set<string>();
    // Emission ids another write already stored: this write goes without them.
    const taken = new Set<string>();
    let pending = [...entries.keys()];
    for (let round = 0; pending.length > 0; round++) {
      if (round >= this.retry.conflictAttempts) {
        throw new StateStoreError({ operation: "mergeWrite", keyCount: pending.length, table: this.stateTable, reason: "conflict" });
      }
      if (round > 0) await sleep(backoffMs(round, this.retry, this.random));
      const unknown = pending.filter((key) => !known.has(key));
      if (round === 0 && this.absence?.likelyAbsent) {
        for (const key of unknown) {
          known.set(key, null);
          guessed.add(key);
        }
        this.stats.blindInserts += unknown.length;
      } else if (unknown.length > 0) {
        for (const [key, entity] of await this.fetch(unknown)) {
          known.set(key, entity);
          if (round === 0) this.absence?.observe(entity === null);
        }
      }

      const planned: { key: string; write: PlannedWrite; text: string; value: T; emission: Emission | undefined; taken: string | undefined }[] = [];
      for (const key of pending) {
        const entry = entries.get(key) as StateEntry<T>;
        const stored = known.get(key) ?? null;
        // `merge` may update its first argument: only ever hand it a freshly decoded copy.
        const value = stored ? codec.merge(codec.decode(stored.text), entry.value) : entry.value;
        const text = codec.encode(value);
        const expiresAt = Math.max(entry.expiresAt, stored?.expiresAt ?? Number.NEGATIVE_INFINITY);
        if (stored && text === stored.text && expiresAt <= stored.expiresAt) {
          this.stats.unchanged++;
          merged.set(key, { value });
          continue;
        }
        const tableKey = this.tableKeyOf(key);
        const evaluated = emit?.(key, value);
        const emission = evaluated && !taken.has(evaluated.id) ? evaluated : undefined;
        const companion = emission
          ? emissionEntity({
              partitionKey: tableKey.partitionKey,
              id: emission.id,
              row: emission.row,
              stateExpiresAt: expiresAt,
              pending: this.outbox !== undefined,
              leaseUntil: this.now() + FIRST_LEASE_MS,
            })
          : undefined;
        const write: PlannedWrite = { tableKey, properties: toProperties(text), expiresAt, etag: stored?.etag, ...(companion ? { companion } : {}) };
        planned.push({ key, write, text, value, emission, taken: emission ? undefined : evaluated?.id });
      }

      const outcomes = await sendWrites(
        planned.map((p) => p.write),
        {
          client: this.state,
          concurrency: this.writeConcurrency,
          attempt: (request) => this.attempt(request),
          onSingleWrite: () => {
            this.stats.writes++;
          },
          onTransaction: (operations) => {
            this.stats.batches++;
            this.stats.batchedEntities += operations;
          },
        },
      );
      pending = [];
      outcomes.forEach((outcome, i) => {
        const { key, write, text, value, emission, taken: alreadyEmitted } = planned[i] as (typeof planned)[number];
        if (outcome.kind !== "notApplied" && outcome.kind !== "companionExists" && guessed.delete(key)) this.absence?.observe(outcome.kind === "written");
        if (outcome.kind === "written") {
          if (emission) {
            this.stats.emissions++;
            this.outbox?.committed(
              emission.id,
              { partitionKey: write.tableKey.partitionKey, rowKey: write.companion?.rowKey as string },
              outcome.companionEtag,
              write.expiresAt,
            );
          }
          merged.set(key, emission ? { value, emitted: emission } : alreadyEmitted ? { value, alreadyEmitted } : { value });
          if (outcome.etag) this.cache.set(key, { text, etag: outcome.etag, expiresAt: write.expiresAt });
          else this.cache.delete(key);
          if (outcome.etag) this.recall.record(key, text, this.now());
          else this.recall.forget(key);
          return;
        }
        if (outcome.kind === "companionExists" && emission) {
          this.stats.emissionsTaken++;
          taken.add(emission.id);
        }
        if (outcome.kind === "conflict") {
          this.stats.conflicts++;
          known.delete(key);
          this.cache.delete(key);
          this.recall.forget(key);
        }
        pending.push(key);
      });
    }
    return merged;
  }

  /** Stored entities of these keys (null when absent), read in parallel; refreshes the cache. */
  private async fetch(keys: readonly string[]): Promise<Map<string, CachedEntity | null>> {
    const found = await mapLimit(keys, this.readConcurrency, async (key) => {
      const { partitionKey, rowKey } = this.tableKeyOf(key);
      const sentAt = this.now();
      try {
        const entity = await this.attempt(() => {
          this.stats.reads++;
          return this.state.getEntity<Record<string, unknown>>(partitionKey, rowKey);
        });
        const text = fromProperties(entity);
        if (text === undefined || entity.etag === undefined) {
          throw new StateStoreError({ operation: "read", keyCount: 1, table: this.stateTable, reason: `corrupt entity ${partitionKey}/${rowKey}` });
        }
        const stored: CachedEntity = { text, etag: entity.etag, expiresAt: Number(entity.expiresAt ?? 0) };
        this.cache.set(key, stored);
        this.recall.recordRead(key, text, sentAt);
        return stored;
      } catch (error) {
        if (statusOf(error) !== 404 || classify(error) === "fatal") throw error;
        this.cache.delete(key);
        this.recall.recordRead(key, null, sentAt);
        return null;
      }
    });
    return new Map(keys.map((key, i) => [key, found[i] ?? null]));
  }

  private async sweepTable(client: TableClient, bound: number): Promise<number> {
    // Collect first, delete after: deleting under a paged query could disturb its continuation.
    const expired = await this.attempt(async () => {
      const found: TableKey[] = [];
      const pages = client
        .listEntities({ queryOptions: { filter: odata`expiresAt lt ${bound}L`, select: ["PartitionKey", "RowKey"] } })
        .byPage({ maxPageSize: 1000 });
      for await (const page of pages) {
        this.stats.sweepRequests++;
        for (const entity of page)
          if (entity.partitionKey !== undefined && entity.rowKey !== undefined) found.push({ partitionKey: entity.partitionKey, rowKey: entity.rowKey });
      }
      return found;
    });
    const byPartition = new Map<string, TableKey[]>();
    for (const key of expired) {
      const group = byPartition.get(key.partitionKey);
      if (group) group.push(key);
      else byPartition.set(key.partitionKey, [key]);
    }
    const chunks: TableKey[][] = [];
    for (const group of byPartition.values()) for (let i = 0; i < group.length; i += 100) chunks.push(group.slice(i, i + 100));
    const removed = await mapLimit(chunks, this.writeConcurrency, (chunk) => this.deleteChunk(client, chunk));
    return removed.reduce((sum, n) => sum + n, 0);
  }

  /** Deletes one partition's chunk in a transaction; if another sweeper got to some first, one by one. */
  private async deleteChunk(client: TableClient, chunk: readonly TableKey[]): Promise<number> {
    if (chunk.length > 1) {
      try {
        const actions: TransactionAction[] = chunk.map((key) => ["delete", { partitionKey: key.partitionKey, rowKey: key.rowKey }]);
        await this.attempt(() => {
          this.stats.sweepRequests++;
          return client.submitTransaction(actions);
        });
        return chunk.length;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    const deleted = await mapLimit(chunk, this.writeConcurrency, async (key) => {
      try {
        await this.attempt(() => {
          this.stats.sweepRequests++;
          return client.deleteEntity(key.partitionKey, key.rowKey);
        });
        return 1;
      } catch (error) {
        if (statusOf(error) === 404) return 0;
        throw error;
      }
    });
    return deleted.reduce<number>((sum, n) => sum + n, 0);
  }

  private async createTable(client: TableClient): Promise<void> {
    try {
      await this.attempt(() => client.createTable());
    } catch (error) {
      // The SDK already ignores TableAlreadyExists; older versions and emulators may not.
      if (statusOf(error) !== 409) throw error;
    }
  }

  private tableKeyOf(key: string): TableKey {
    return tableKeyOf(key, { buckets: this.buckets, fallbackLabel: "state" });
  }

  private attempt<R>(request: () => Promise<R>): Promise<R> {
    return withTransientRetry(request, this.retry, this.random, () => {
      this.stats.retries++;
    });
  }

  private failure(operation: StateOperation, keyCount: number, table: string, error: unknown): StateStoreError {
    if (error instanceof StateStoreError) return error;
    const reason = error instanceof ValueTooLargeError ? "value too large" : classify(error) === "transient" ? "unavailable" : "failed";
    return new StateStoreError({ operation, keyCount, table, reason, cause: error });
  }
}
