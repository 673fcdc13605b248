/** Runs audit events through the real pipeline (memory state) and returns the final row per incident. */
import { allDetections } from "../../detections/index.js";
import { resolveSettings } from "../../pipeline/config/settings.js";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { type BatchResult, type InputMessage, Pipeline } from "../../pipeline/pipeline.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import type { StateStore } from "../../pipeline/state/stateStore.js";
import { addStats, emptyStats, type PipelineStats } from "../../pipeline/stats.js";
import { aksRecord, auditEvent, type EventSpec, eventHubMessage } from "../../scripts/synthetic/auditRecords.js";

export const FIXED_NOW = new Date("2026-11-23T00:00:00.000Z");

export interface RunOptions {
  /** The `detections` section of a config file. */
  readonly config?: Record<string, unknown>;
  readonly store?: StateStore;
  /** Records per Event Hub message. */
  readonly perMessage?: number;
}

export interface RunResult {
  readonly rows: IncidentRow[];
  /** Latest revision per IncidentId. */
  readonly incidents: IncidentRow[];
  readonly stats: PipelineStats;
  readonly quarantined: BatchResult["quarantined"];
}

export function specsToMessages(specs: readonly EventSpec[], perMessage = 50): InputMessage[] {
  const records = specs.map((spec) => aksRecord(auditEvent(spec)));
  const messages: InputMessage[] = [];
  for (let i = 0; i < records.length; i += perMessage) {
    messages.push({ body: eventHubMessage(records.slice(i, i + perMessage)), location: { source: "test", line: messages.length + 1 } });
  }
  return messages;
}

export function newPipeline(options: RunOptions = {}): Pipeline {
  return new Pipeline({
    settings: resolveSettings(allDetections, { detections: options.config ?? {} }),
    store: options.store ?? new MemoryStateStore(),
    clock: () => FIXED_NOW,
  });
}

/** One batch per message, in order, through one pipeline. */
export async function runMessages(messages: readonly InputMessage[], options: RunOptions = {}): Promise<RunResult> {
  const pipeline = newPipeline(options);
  const rows: IncidentRow[] = [];
  const quarantined: BatchResult["quarantined"] = [];
  const stats = emptyStats();
  for (const message of messages) {
    const result = await pipeline.processMessages([message]);
    rows.push(...result.incidents);
    quarantined.push(...result.quarantined);
    addStats(stats, result.stats);
  }
  return { rows, incidents: latestRevisions(rows), stats, quarantined };
}

export function runEvents(specs: readonly EventSpec[], options: RunOptions = {}): Promise<RunResult> {
  return runMessages(specsToMessages(specs, options.perMessage), options);
}

export function latestRevisions(rows: readonly IncidentRow[]): IncidentRow[] {
  const latest = new Map<string, IncidentRow>();
  for (const row of rows) {
    const seen = latest.get(row.IncidentId);
    if (!seen || seen.Revision < row.Revision) latest.set(row.IncidentId, row);
  }
  return [...latest.values()].sort((a, b) => (a.IncidentId < b.IncidentId ? -1 : 1));
}

/** What must be equal across batchings and partitionings: everything but the wall-clock TimeGenerated. */
export function comparable(rows: readonly IncidentRow[]): Omit<IncidentRow, "TimeGenerated">[] {
  return latestRevisions(rows).map(({ TimeGenerated: _, ...rest }) => rest);
}

const ORDER_SENSITIVE = new Set(allDetections.filter((d) => d.orderSensitive).map((d) => d.id));

/**
 * The rows of detections whose findings do not depend on the order concurrent instances see events in
 * (see Detection.orderSensitive): what must match exactly however many instances share the work.
 */
export function orderIndependent<T extends Pick<IncidentRow, "DetectionId">>(rows: readonly T[]): T[] {
  return rows.filter((row) => !ORDER_SENSITIVE.has(row.DetectionId));
}
