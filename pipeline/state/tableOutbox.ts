/**
 * Emission entities in the state table: the claim of an incident revision and, until it is delivered,
 * its row (the outbox). Each sits in the PartitionKey of the state it was evaluated from, so the store
 * inserts it in the same transaction as that state's write (see entityWrites.ts).
 *
 * RowKey `~` + the escaped emission id: escaped state keys never start with `~`, so the two kinds cannot
 * collide. `expiresAt` is the state's expiry once delivered and the largest Int64 while pending, so a
 * sweep never deletes an undelivered row. `leaseUntil` (wall clock) says who may deliver it when.
 */
import { odata, type TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import { mapLimit } from "./concurrency.js";
import { fromProperties, toProperties } from "./entityValue.js";
import { int64 } from "./entityWrites.js";
import type { DeliveryFailure, IncidentOutbox, LeaseOptions, PendingEmission } from "./incidentOutbox.js";
import { statusOf } from "./retry.js";
import { escapeKey, type TableKey, unescapeKey } from "./tableKeys.js";

type Status = "pending" | "delivered" | "done";

interface EmissionProperties {
  status?: string;
  attempts?: number;
  lastError?: string;
  stateExpiresAt?: number | bigint;
  leaseUntil?: number | bigint;
}

const PREFIX = "~";
const MAX_ERROR_CHARS = 1_000;
const PENDING_EXPIRY = Number.MAX_SAFE_INTEGER;

export function emissionRowKey(id: string): string {
  return `${PREFIX}${escapeKey(id)}`;
}

export interface EmissionEntityOptions {
  readonly partitionKey: string;
  readonly id: string;
  readonly row: string;
  /** When the state it came from expires (event time). */
  readonly stateExpiresAt: number;
  /** Keep the row until delivered; otherwise only the claim is stored. */
  readonly pending: boolean;
  readonly leaseUntil: number;
}

export function emissionEntity(options: EmissionEntityOptions): TableEntity<Record<string, unknown>> {
  const status: Status = options.pending ? "pending" : "done";
  return {
    partitionKey: options.partitionKey,
    rowKey: emissionRowKey(options.id),
    status,
    expiresAt: int64(options.pending ? PENDING_EXPIRY : options.stateExpiresAt),
    stateExpiresAt: int64(options.stateExpiresAt),
    leaseUntil: int64(options.leaseUntil),
    attempts: 0,
    ...(options.pending ? toProperties(options.row) : {}),
  };
}

export interface TableOutboxOptions {
  readonly client: TableClient;
  /** Runs one request with the store's transient retries, once the table exists. */
  readonly attempt: <R>(request: () => Promise<R>) => Promise<R>;
  /** Types a failure the way the store types its own. */
  readonly failure: (error: unknown, count: number) => Error;
  readonly concurrency: number;
}

/** Where this process last saw an emission: enough to update it without a lookup. */
interface Handle {
  readonly tableKey: TableKey;
  etag: string | undefined;
  readonly stateExpiresAt: number;
  attempts: number;
}

export class TableOutbox implements IncidentOutbox {
  private readonly handles = new Map<string, Handle>();

  constructor(private readonly options: TableOutboxOptions) {}

  /** The store committed this emission (pending) with this ETag. */
  committed(id: string, tableKey: TableKey, etag: string | undefined, stateExpiresAt: number): void {
    this.handles.set(id, { tableKey, etag, stateExpiresAt, attempts: 0 });
  }

  lease(options: LeaseOptions): Promise<PendingEmission[]> {
    return this.guard(options.limit, () => this.leaseNow(options));
  }

  private async leaseNow({ now, leaseMs, limit }: LeaseOptions): Promise<PendingEmission[]> {
    const due = (await this.query(odata`status eq 'pending' and leaseUntil lt ${Math.floor(now)}L`)).slice(0, limit);
    const leased = await mapLimit(due, this.options.concurrency, async (entity) => {
      const tableKey = tableKeyOfEntity(entity);
      try {
        const response = await this.options.attempt(() =>
          this.options.client.updateEntity({ ...tableKey, leaseUntil: int64(now + leaseMs) }, "Merge", { etag: entity.etag }),
        );
        const emission = emissionOf(entity);
        this.handles.set(emission.id, {
          tableKey,
          etag: response.etag,
          stateExpiresAt: Number(entity.stateExpiresAt ?? 0),
          attempts: emission.attempts,
        });
        return emission;
      } catch (error) {
        // 412: another caller leased or delivered it since the query; 404 cannot happen to a pending row.
        if (statusOf(error) === 412) return undefined;
        throw error;
      }
    });
    return leased.filter((e): e is PendingEmission => e !== undefined);
  }

  markDelivered(ids: readonly string[]): Promise<void> {
    return this.guard(ids.length, () => this.markDeliveredNow(ids));
  }

  private async markDeliveredNow(ids: readonly string[]): Promise<void> {
    const handles = ids.map((id) => [id, this.handleOf(id)] as const);
    const byPartition = new Map<string, (readonly [string, Handle])[]>();
    for (const entry of handles) {
      const group = byPartition.get(entry[1].tableKey.partitionKey);
      if (group) group.push(entry);
      else byPartition.set(entry[1].tableKey.partitionKey, [entry]);
    }
    const chunks: (readonly [string, Handle])[][] = [];
    for (const group of byPartition.values()) for (let i = 0; i < group.length; i += 100) chunks.push(group.slice(i, i + 100));
    await mapLimit(chunks, this.options.concurrency, async (chunk) => {
      if (chunk.length > 1) {
        const actions: TransactionAction[] = chunk.map(([, handle]) => ["update", deliveredEntity(handle), "Replace", { etag: handle.etag }]);
        try {
          await this.options.attempt(() => this.options.client.submitTransaction(actions));
          for (const [id] of chunk) this.handles.delete(id);
          return;
        } catch (error) {
          // One of them changed under us (a lease ran out and a timer took it): settle them one by one.
          if (statusOf(error) !== 412) throw error;
        }
      }
      await mapLimit(chunk, this.options.concurrency, ([id, handle]) => this.deliverOne(id, handle));
    });
  }

  markFailed(failures: readonly DeliveryFailure[]): Promise<void> {
    return this.guard(failures.length, () => this.markFailedNow(failures));
  }

  private async markFailedNow(failures: readonly DeliveryFailure[]): Promise<void> {
    await mapLimit(failures, this.options.concurrency, async ({ id, error, retryAt }) => {
      const handle = this.handleOf(id);
      const update = (etag: string | undefined) =>
        this.options.client.updateEntity(
          { ...handle.tableKey, attempts: handle.attempts + 1, lastError: error.slice(0, MAX_ERROR_CHARS), leaseUntil: int64(retryAt) },
          "Merge",
          { etag },
        );
      try {
        handle.etag = (await this.options.attempt(() => update(handle.etag))).etag;
      } catch (failure) {
        if (statusOf(failure) !== 412) throw failure;
        const current = await this.read(handle.tableKey);
        if (current.status !== "pending") return;
        handle.attempts = Number(current.attempts ?? 0);
        handle.etag = (await this.options.attempt(() => update(current.etag))).etag;
      }
      handle.attempts++;
    });
  }

  pending(): Promise<PendingEmission[]> {
    return this.guard(0, () => this.pendingNow());
  }

  private async pendingNow(): Promise<PendingEmission[]> {
    return (await this.query(odata`status eq 'pending'`)).map(emissionOf);
  }

  private async guard<R>(count: number, work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      throw this.options.failure(error, count);
    }
  }

  private async deliverOne(id: string, handle: Handle): Promise<void> {
    let etag = handle.etag;
    for (let tries = 0; tries < 5; tries++) {
      try {
        await this.options.attempt(() => this.options.client.updateEntity(deliveredEntity(handle), "Replace", { etag }));
        this.handles.delete(id);
        return;
      } catch (error) {
        if (statusOf(error) !== 412) throw error;
        const current = await this.read(handle.tableKey);
        if (current.status !== "pending") {
          this.handles.delete(id);
          return;
        }
        etag = current.etag;
      }
    }
    throw new Error(`emission ${id}: could not mark it delivered after 5 conflicting updates`);
  }

  private handleOf(id: string): Handle {
    const handle = this.handles.get(id);
    if (!handle) throw new Error(`emission ${id} was neither committed nor leased by this outbox`);
    return handle;
  }

  private read(tableKey: TableKey): Promise<TableEntityResult<EmissionProperties>> {
    return this.options.attempt(() => this.options.client.getEntity<EmissionProperties>(tableKey.partitionKey, tableKey.rowKey));
  }

  private async query(filter: string): Promise<TableEntityResult<Record<string, unknown> & EmissionProperties>[]> {
    const scoped = `RowKey ge '${PREFIX}' and RowKey lt '${PREFIX}${PREFIX}' and ${filter}`;
    return this.options.attempt(async () => {
      const found: TableEntityResult<Record<string, unknown> & EmissionProperties>[] = [];
      for await (const entity of this.options.client.listEntities<Record<string, unknown> & EmissionProperties>({ queryOptions: { filter: scoped } })) {
        found.push(entity);
      }
      return found.sort((a, b) => Number(a.leaseUntil ?? 0) - Number(b.leaseUntil ?? 0));
    });
  }
}

function deliveredEntity(handle: Handle): TableEntity<Record<string, unknown>> {
  return {
    ...handle.tableKey,
    status: "delivered" satisfies Status,
    expiresAt: int64(handle.stateExpiresAt),
    stateExpiresAt: int64(handle.stateExpiresAt),
    attempts: handle.attempts,
  };
}

function tableKeyOfEntity(entity: { partitionKey?: string; rowKey?: string }): TableKey {
  if (entity.partitionKey === undefined || entity.rowKey === undefined) throw new Error("the table returned an entity without its keys");
  return { partitionKey: entity.partitionKey, rowKey: entity.rowKey };
}

function emissionOf(entity: TableEntityResult<Record<string, unknown> & EmissionProperties>): PendingEmission {
  const id = unescapeKey(tableKeyOfEntity(entity).rowKey.slice(PREFIX.length));
  const row = fromProperties(entity);
  if (row === undefined) throw new Error(`emission ${id} holds no row`);
  const attempts = Number(entity.attempts ?? 0);
  return entity.lastError ? { id, row, attempts, lastError: entity.lastError } : { id, row, attempts };
}
