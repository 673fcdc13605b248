/**
 * Table Storage transactions per 1,000 events, against Azurite: the mix's messages through the
 * pipeline in batches of `batchRecords` records with a Table store keeping an outbox, as the Function
 * runs, and each batch's incidents delivered (marked in the outbox) by a sink that accepts everything.
 * Counts every HTTP request the store sends (table creation, reads, writes, transactions, outbox marks,
 * progress records): what the account bills. The sweep timer is not included; it runs every ten minutes
 * whatever the traffic.
 */
import { deliverCommitted, type IncidentSink } from "../pipeline/deliver/deliverIncidents.js";
import { PartitionedPipelines } from "../pipeline/partitionedPipelines.js";
import { DecodedBatch, type InputMessage } from "../pipeline/pipeline.js";
import { TableStateStore } from "../pipeline/state/tableStateStore.js";

export interface TransactionCount {
  readonly events: number;
  readonly selected: number;
  readonly incidents: number;
  readonly requests: number;
  readonly perThousandEvents: number;
  /** Requests by kind, from the store's counters. */
  readonly breakdown: Readonly<Record<string, number>>;
}

/** Accepts every row, as a healthy Logs Ingestion endpoint would; only table requests are counted. */
const acceptingSink: IncidentSink = { upload: async (rows) => ({ delivered: [...rows], failed: [] }) };

export async function countTableTransactions(
  connectionString: string,
  stateTable: string,
  messages: readonly string[],
  batchRecords: number,
): Promise<TransactionCount> {
  const store = new TableStateStore({ connectionString, stateTable, outbox: true });
  const group = new PartitionedPipelines({ store });
  const pipeline = group.for("0");
  let events = 0;
  let selected = 0;
  let incidents = 0;
  let batch = new DecodedBatch();
  const run = async () => {
    const result = await pipeline.processDecoded(batch);
    batch = new DecodedBatch();
    events += result.stats.events;
    selected += result.stats.selected;
    incidents += result.incidents.length;
    if (result.incidents.length > 0)
      await deliverCommitted(result.incidents, { sink: acceptingSink, outbox: store.outbox as NonNullable<typeof store.outbox> });
    await group.recordProgressIfDue("0");
  };
  for (const [i, body] of messages.entries()) {
    const message: InputMessage = { body, location: { source: "eventhub", partition: "0", sequenceNumber: i } };
    pipeline.decode([message], batch);
    if (batch.stats.records >= batchRecords) await run();
  }
  if (batch.stats.records > 0) await run();
  const s = store.stats;
  return {
    events,
    selected,
    incidents,
    requests: s.requests,
    perThousandEvents: (s.requests * 1000) / events,
    breakdown: { reads: s.reads, writes: s.writes, transactions: s.batches, emissions: s.emissions, retries: s.retries, conflicts: s.conflicts },
  };
}
