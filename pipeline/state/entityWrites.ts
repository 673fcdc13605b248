/**
 * Sends a set of conditional writes: grouped per PartitionKey into entity-group transactions (at most 100
 * operations and 4 MiB each), a lone write as a plain insert or update. Every write is conditional: an
 * insert fails if the entity exists (409), an update carries the ETag it was based on (412 if the entity
 * changed, 404 if it was swept). A transaction is all-or-nothing, so one such conflict sends that key back
 * to be re-read and merged, and the others of its transaction back to be sent again as they are.
 *
 * A write may carry a companion: an emission entity in the same partition, inserted in the same
 * transaction, so that the state and what it emits are stored together or not at all.
 */
import type { TableClient, TableEntity, TransactionAction } from "@azure/data-tables";
import { mapLimit } from "./concurrency.js";
import type { TableKey } from "./tableKeys.js";
import { classify } from "./retry.js";
import { type ValueProperties, wireBytes } from "./entityValue.js";

const MAX_TRANSACTION_OPERATIONS = 100;
/** The service takes 4 MiB per transaction; the multipart envelope adds about 1 KB per operation. */
const MAX_TRANSACTION_BYTES = 3_500_000;

export interface PlannedWrite {
  readonly tableKey: TableKey;
  readonly properties: ValueProperties;
  readonly expiresAt: number;
  /** The ETag the merged value was based on; undefined for a key believed absent (insert). */
  readonly etag: string | undefined;
  /** Inserted with the write, atomically; its PartitionKey is the write's. */
  readonly companion?: TableEntity<Record<string, unknown>>;
}

export type WriteOutcome =
  /** Stored (with its companion); the new ETags, when the service reported them. */
  | { readonly kind: "written"; readonly etag: string | undefined; readonly companionEtag?: string | undefined }
  /** Someone else wrote (or swept) the key first: re-read, merge, write again. */
  | { readonly kind: "conflict" }
  /** Its transaction failed because of another key's conflict: send again unchanged. */
  | { readonly kind: "notApplied" }
  /** Its companion exists already (another write emitted the same id): send again without it. */
  | { readonly kind: "companionExists" };

export interface WriteSender {
  readonly client: TableClient;
  readonly concurrency: number;
  /** Runs one request with the store's transient retries. */
  readonly attempt: <R>(request: () => Promise<R>) => Promise<R>;
  readonly onSingleWrite: () => void;
  readonly onTransaction: (operations: number) => void;
}

/** Sends the writes and returns one outcome per write, in order. Throws what is neither done nor a conflict. */
export async function sendWrites(writes: readonly PlannedWrite[], sender: WriteSender): Promise<WriteOutcome[]> {
  const outcomes = new Array<WriteOutcome>(writes.length);
  const chunks = chunk(writes);
  await mapLimit(chunks, sender.concurrency, async (indexes) => {
    const results = await sendChunk(
      indexes.map((i) => writes[i] as PlannedWrite),
      sender,
    );
    indexes.forEach((writeIndex, i) => {
      outcomes[writeIndex] = results[i] as WriteOutcome;
    });
  });
  return outcomes;
}

export function entityOf(write: PlannedWrite): TableEntity<Record<string, unknown>> {
  return {
    partitionKey: write.tableKey.partitionKey,
    rowKey: write.tableKey.rowKey,
    expiresAt: int64(write.expiresAt),
    ...write.properties,
  };
}

/** Epoch milliseconds as an explicit Int64: an untyped JSON number this large has no agreed EDM type. */
export function int64(ms: number): { value: string; type: "Int64" } {
  const clamped = Number.isFinite(ms) ? Math.ceil(ms) : ms > 0 ? Number.MAX_SAFE_INTEGER : 0;
  return { value: String(clamped), type: "Int64" };
}

/** Indexes of the writes, grouped by PartitionKey and cut to the transaction limits. */
function chunk(writes: readonly PlannedWrite[]): number[][] {
  const byPartition = new Map<string, number[]>();
  writes.forEach((write, i) => {
    const group = byPartition.get(write.tableKey.partitionKey);
    if (group) group.push(i);
    else byPartition.set(write.tableKey.partitionKey, [i]);
  });
  const chunks: number[][] = [];
  for (const group of byPartition.values()) {
    let current: number[] = [];
    let bytes = 0;
    let operations = 0;
    for (const i of group) {
      const write = writes[i] as PlannedWrite;
      // A companion entity holds its own keys, so its properties count them.
      const size = wireBytes(write.properties, write.tableKey.partitionKey, write.tableKey.rowKey) + (write.companion ? wireBytes(write.companion, "", "") : 0);
      const ops = write.companion ? 2 : 1;
      if (current.length > 0 && (operations + ops > MAX_TRANSACTION_OPERATIONS || bytes + size > MAX_TRANSACTION_BYTES)) {
        chunks.push(current);
        current = [];
        bytes = 0;
        operations = 0;
      }
      current.push(i);
      bytes += size;
      operations += ops;
    }
    if (current.length > 0) chunks.push(current);
  }
  return chunks;
}

async function sendChunk(writes: readonly PlannedWrite[], sender: WriteSender): Promise<WriteOutcome[]> {
  const { client } = sender;
  if (writes.length === 1 && !writes[0]?.companion) {
    const write = writes[0] as PlannedWrite;
    try {
      const response = await sender.attempt(() => {
        sender.onSingleWrite();
        return write.etag === undefined ? client.createEntity(entityOf(write)) : client.updateEntity(entityOf(write), "Replace", { etag: write.etag });
      });
      return [{ kind: "written", etag: response.etag }];
    } catch (error) {
      if (classify(error) === "conflict") return [{ kind: "conflict" }];
      throw error;
    }
  }
  const actions: TransactionAction[] = [];
  /** For each operation, the write it belongs to and whether it is that write's companion. */
  const owners: { write: number; companion: boolean }[] = [];
  writes.forEach((write, i) => {
    actions.push(write.etag === undefined ? ["create", entityOf(write)] : ["update", entityOf(write), "Replace", { etag: write.etag }]);
    owners.push({ write: i, companion: false });
    if (write.companion) {
      actions.push(["create", write.companion]);
      owners.push({ write: i, companion: true });
    }
  });
  try {
    const response = await sender.attempt(() => {
      sender.onTransaction(actions.length);
      return client.submitTransaction(actions);
    });
    const outcomes: { kind: "written"; etag: string | undefined; companionEtag?: string | undefined }[] = writes.map(() => ({
      kind: "written",
      etag: undefined,
    }));
    owners.forEach((owner, op) => {
      const etag = response.subResponses[op]?.etag?.trim();
      const outcome = outcomes[owner.write] as (typeof outcomes)[number];
      if (owner.companion) outcome.companionEtag = etag;
      else outcome.etag = etag;
    });
    return outcomes;
  } catch (error) {
    if (classify(error) !== "conflict") throw error;
    const failedOp = failedOperationIndex(error);
    const failed = failedOp === undefined ? undefined : owners[failedOp];
    return writes.map((_, i) => {
      // The service did not say which operation failed: every key goes back to be re-read and merged.
      if (failed === undefined) return { kind: "conflict" };
      if (failed.write !== i) return { kind: "notApplied" };
      return failed.companion ? { kind: "companionExists" } : { kind: "conflict" };
    });
  }
}

/** The service names the failed operation of a transaction in its message: `"3:The update condition…"`. */
function failedOperationIndex(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : "";
  const match = /^(\d+):/.exec(message);
  return match ? Number(match[1]) : undefined;
}
