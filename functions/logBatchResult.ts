/**
 * What one invocation tells the Functions log: a warning per quarantined record, a JSON line per incident
 * row (until incidents go to the outbox and Log Analytics), and one summary line per batch.
 */
import type { InvocationContext } from "@azure/functions";
import type { QuarantineEntry } from "../pipeline/decode/quarantine.js";
import type { BatchResult } from "../pipeline/pipeline.js";
import { totalSkipped } from "../pipeline/stats.js";
import type { EventHubBatch } from "./eventHubBatch.js";

export interface LogBatchResultOptions {
  readonly context: InvocationContext;
  readonly batch: EventHubBatch;
  readonly result: BatchResult;
  readonly elapsedMs: number;
}

/** Prefix of each incident line, so a log query can pick them out and parse the JSON after it. */
export const INCIDENT_LOG_PREFIX = "incident ";

export function logBatchResult({ context, batch, result, elapsedMs }: LogBatchResultOptions): void {
  for (const entry of result.quarantined) context.warn(describeQuarantined(entry));
  for (const incident of result.incidents) context.log(`${INCIDENT_LOG_PREFIX}${JSON.stringify(incident)}`);
  context.log(describeBatch(batch, result, elapsedMs));
}

/** Reason and place first; the excerpt is the pipeline's, already cut before anything secret. */
function describeQuarantined(entry: QuarantineEntry): string {
  const auditId = entry.auditId ? ` (auditID ${entry.auditId})` : "";
  return `quarantined ${entry.location}${auditId}: ${entry.reason}; excerpt: ${entry.excerpt}`;
}

function describeBatch(batch: EventHubBatch, { stats }: BatchResult, elapsedMs: number): string {
  const counts = [
    `${stats.messages} messages`,
    `${stats.records} records`,
    `${stats.events} events`,
    `${totalSkipped(stats)} skipped`,
    `${stats.quarantined} quarantined`,
    `${stats.incidents} incidents`,
    `${stats.suppressed} suppressed`,
    `${stats.late} late`,
    `${Math.round(elapsedMs)} ms`,
  ];
  return `ingest batch ${describeSource(batch)}: ${counts.join(", ")}`;
}

function describeSource(batch: EventHubBatch): string {
  let text = `partition ${batch.partition ?? "unknown"}`;
  const range = batch.sequenceRange;
  if (range) text += range.first === range.last ? ` sequence ${range.first}` : ` sequences ${range.first}-${range.last}`;
  if (batch.oldestEnqueuedTime) text += ` enqueued from ${batch.oldestEnqueuedTime}`;
  return text;
}
