/**
 * The Event Hub trigger's handler: message bodies and trigger metadata in; the shared pipeline run; its
 * incidents delivered from the outbox; quarantined records stored; results logged. Nothing about
 * detection lives here.
 *
 * What throws and what does not (see triggers.ts for the retry policy): bad records never make it throw,
 * they are quarantined. The state store being unavailable does: the retry policy runs the batch again
 * until the store is back, and the hub holds it meanwhile. A failed upload to Log Analytics does not: the
 * rows wait in the outbox for the `deliver` timer. A batch the pipeline refuses for good (not a transient
 * failure) is recorded in the quarantine table by its place in the hub, so it can be replayed once fixed.
 */
import type { InvocationContext } from "@azure/functions";
import type { QuarantineEntry } from "../pipeline/decode/quarantine.js";
import { deliverCommitted } from "../pipeline/deliver/deliverIncidents.js";
import type { BatchResult } from "../pipeline/pipeline.js";
import { StateStoreError } from "../pipeline/state/stateStoreError.js";
import { type EventHubBatch, eventHubBatch } from "./eventHubBatch.js";
import { logBatchResult } from "./logBatchResult.js";
import { once, type Runtime, type RuntimeSource, sharedRuntime } from "./runtime.js";

export type IngestHandler = (messages: unknown[], context: InvocationContext) => Promise<void>;

/** Batches whose trigger metadata names no partition share one instance. */
const UNKNOWN_PARTITION = "unknown";

export function createIngestHandler(source: RuntimeSource): IngestHandler {
  const runtime = once(source);
  return async (messages, context) => {
    const started = performance.now();
    // With cardinality "many" the host always passes an array; a single body means the binding was changed.
    const bodies: readonly unknown[] = Array.isArray(messages) ? messages : messages === undefined ? [] : [messages];
    const batch = eventHubBatch(bodies, context.triggerMetadata);
    if (batch.metadataProblems.length > 0) {
      context.warn(`trigger metadata incomplete, quarantine locations will be less precise: ${batch.metadataProblems.join("; ")}`);
    }
    const rt = await runtime();
    const partition = batch.partition ?? UNKNOWN_PARTITION;
    let result: BatchResult;
    try {
      // One instance per partition: the host runs partitions concurrently, and each keeps its own watermark.
      result = await rt.pipelines.for(partition).processMessages(batch.messages);
    } catch (error) {
      if (isTransient(error)) throw error;
      await refuseBatch(rt, batch, error, context);
      return;
    }
    await Promise.all([deliver(rt, result, context), rt.quarantine?.put(result.quarantined, new Date(rt.now())), rt.pipelines.recordProgressIfDue(partition)]);
    logBatchResult({ context, batch, result, elapsedMs: performance.now() - started });
  };
}

/** Uploads what this batch committed; what fails stays in the outbox for the timer, and is only logged here. */
async function deliver(rt: Runtime, result: BatchResult, context: InvocationContext): Promise<void> {
  if (result.incidents.length === 0) return;
  try {
    const report = await deliverCommitted(result.incidents, { sink: rt.sink, outbox: rt.outbox, now: rt.now });
    if (report.failed > 0) context.warn(`${report.failed} incident rows not delivered yet, left to the deliver timer: ${report.errors.join(" | ")}`);
  } catch (error) {
    // The rows are committed and leased: when the lease runs out the timer delivers them.
    context.warn(`incident delivery could not be recorded, left to the deliver timer: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Unavailable or throttled, or a conflict that outlasted its retries: running the batch again can cure it. */
function isTransient(error: unknown): boolean {
  return error instanceof StateStoreError && (error.reason === "unavailable" || error.reason === "conflict");
}

async function refuseBatch(rt: Runtime, batch: EventHubBatch, error: unknown, context: InvocationContext): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const entry: QuarantineEntry = { reason: `batch not processed: ${message}`, location: describeRange(batch), auditId: undefined, excerpt: "" };
  context.error(`${entry.location}: ${entry.reason}; recorded in the quarantine table for replay`);
  // If even this cannot be stored, throwing is all that is left: the retry policy runs the batch again.
  await rt.quarantine?.put([entry], new Date(rt.now()));
}

function describeRange(batch: EventHubBatch): string {
  const range = batch.sequenceRange;
  const where = `partition ${batch.partition ?? UNKNOWN_PARTITION}`;
  if (!range) return where;
  return range.first === range.last ? `${where} sequence ${range.first}` : `${where} sequences ${range.first}-${range.last}`;
}

/** The handler the Function app registers. */
export const ingest: IngestHandler = createIngestHandler(sharedRuntime);
