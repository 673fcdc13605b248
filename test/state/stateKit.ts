/** Shared by the Table store tests: fresh tables per test, quick retries, the sample, table snapshots. */
import { readFileSync } from "node:fs";
import { TableClient } from "@azure/data-tables";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { DecodedBatch, type InputMessage, type Pipeline } from "../../pipeline/pipeline.js";
import type { RetrySettings } from "../../pipeline/state/retry.js";
import type { MergeOutcome, StateCodec, StateStore } from "../../pipeline/state/stateStore.js";
import { TableStateStore, type TableStoreSettings } from "../../pipeline/state/tableStateStore.js";
import { newPipeline } from "../support/harness.js";

export const SAMPLE = new URL("../../samples/aks-attack-story.jsonl", import.meta.url);

export const sampleMessages: readonly InputMessage[] = readFileSync(SAMPLE, "utf8")
  .split("\n")
  .filter((line) => line !== "")
  .map((body, i) => ({ body, location: { source: "sample", line: i + 1 } }));

/** Retries short enough for an outage test to fail within a second or two. */
export const QUICK_RETRY: RetrySettings = {
  sdkMaxRetries: 1,
  sdkRetryDelayMs: 10,
  sdkMaxRetryDelayMs: 50,
  transientAttempts: 2,
  baseDelayMs: 5,
  maxDelayMs: 50,
  requestTimeoutMs: 5_000,
};

let tables = 0;

/** Table names no other test in this run uses. */
export function freshTables(): { stateTable: string } {
  const id = `${process.pid.toString(36)}${(tables++).toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  return { stateTable: `s${id}` };
}

/** The merged values of a mergeWrite's outcomes. */
export function valuesOf<T>(outcomes: ReadonlyMap<string, MergeOutcome<T>>): Map<string, T> {
  return new Map([...outcomes].map(([key, outcome]) => [key, outcome.value]));
}

export function tableStore(connectionString: string, settings: TableStoreSettings = {}): TableStateStore {
  return new TableStateStore({ connectionString, retry: QUICK_RETRY, ...settings });
}

/** A set of strings that merges by union: enough to see lost updates. */
export const setCodec: StateCodec<string[]> = {
  merge: (into, from) => [...new Set([...into, ...from])].sort(),
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as string[],
};

/** Every entity of a table as stored: keys, ETag and properties (the service's Timestamp left out). */
export async function snapshot(connectionString: string, table: string): Promise<Record<string, unknown>[]> {
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  const out: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities()) {
    const { timestamp: _, ...rest } = entity as Record<string, unknown>;
    out.push(rest);
  }
  return out.sort((a, b) => (`${a.partitionKey}/${a.rowKey}` < `${b.partitionKey}/${b.rowKey}` ? -1 : 1));
}

/** Runs messages through one pipeline, `batchSize` records per batch, and returns the rows it emitted. */
export async function runBatches(pipeline: Pipeline, messages: readonly InputMessage[], batchSize: number): Promise<IncidentRow[]> {
  const rows: IncidentRow[] = [];
  for (const batch of batchesOf(pipeline, messages, batchSize)) rows.push(...(await pipeline.processDecoded(batch)).incidents);
  return rows;
}

/** Decodes messages into batches of at least `batchSize` records (whole messages), as the trigger would. */
export function batchesOf(pipeline: Pipeline, messages: readonly InputMessage[], batchSize: number): DecodedBatch[] {
  const batches: DecodedBatch[] = [];
  let batch = new DecodedBatch();
  for (const message of messages) {
    pipeline.decode([message], batch);
    if (batch.stats.records >= batchSize) {
      batches.push(batch);
      batch = new DecodedBatch();
    }
  }
  if (batch.stats.records > 0) batches.push(batch);
  return batches;
}

/** Deals messages round-robin to one pipeline per store (stores may be one shared object) and runs them concurrently. */
export async function runInstances(stores: readonly StateStore[], messages: readonly InputMessage[], batchSize: number): Promise<IncidentRow[]> {
  const queues: InputMessage[][] = stores.map(() => []);
  messages.forEach((message, i) => {
    queues[i % stores.length]?.push(message);
  });
  const rows = await Promise.all(queues.map((queue, i) => runBatches(newPipeline({ store: stores[i] }), queue, batchSize)));
  return rows.flat();
}
