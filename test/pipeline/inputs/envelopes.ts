/**
 * Envelopes the synthetic builders do not write (Log Analytics rows, AzureDiagnostics rows, EventLists) and a
 * decode-then-normalize helper, shared by the pipeline input tests.
 */
import { type AuditRecord, type DecodeSink, decodeMessage, type RecordDefaults } from "../../../pipeline/decode/decodeMessage.js";
import type { SourceLocation } from "../../../pipeline/decode/location.js";
import type { QuarantineEntry } from "../../../pipeline/decode/quarantine.js";
import type { AuditEvent } from "../../../pipeline/normalize/auditEvent.js";
import { normalizeAuditRecord } from "../../../pipeline/normalize/normalizeAuditRecord.js";
import { DEFAULT_CLUSTER } from "../../../scripts/synthetic/auditRecords.js";
import { type PipelineStats, totalSkipped } from "../../../pipeline/stats.js";

/** `2024-11-15T21:00:00.154000Z` → `2024-11-15T21:00:00.1540000Z`, the 7-digit form Log Analytics writes. */
export function sevenDigits(iso: unknown): unknown {
  if (typeof iso !== "string") return iso;
  const m = /^(.*\.)(\d+)Z$/.exec(iso);
  return m ? `${m[1]}${(m[2] ?? "").padEnd(7, "0").slice(0, 7)}Z` : iso;
}

export interface LogAnalyticsOptions {
  readonly type?: "AKSAudit" | "AKSAuditAdmin";
  /** Dynamic columns as JSON text, as some exports write them, instead of objects. */
  readonly dynamicAsText?: boolean;
  /** RequestObject and ResponseObject as Log Analytics writes oversize bodies. */
  readonly tooBig?: boolean;
  readonly resourceId?: string;
}

/** A row of the `AKSAudit` / `AKSAuditAdmin` table, PascalCase columns, as `az monitor log-analytics query` exports it. */
export function logAnalyticsRow(event: Record<string, unknown>, options: LogAnalyticsOptions = {}): Record<string, unknown> {
  const dyn = (value: unknown) => (value === undefined ? undefined : options.dynamicAsText ? JSON.stringify(value) : value);
  const body = (value: unknown) => (value === undefined ? undefined : options.tooBig ? "skipped-too-big-size-object" : dyn(value));
  const row: Record<string, unknown> = {
    TenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    TimeGenerated: sevenDigits(event.stageTimestamp),
    Level: event.level,
    AuditId: event.auditID,
    Stage: event.stage,
    RequestUri: event.requestURI,
    Verb: event.verb,
    User: dyn(event.user),
    SourceIps: dyn(event.sourceIPs),
    UserAgent: event.userAgent,
    ObjectRef: dyn(event.objectRef),
    ResponseStatus: dyn(event.responseStatus),
    RequestObject: body(event.requestObject),
    ResponseObject: body(event.responseObject),
    RequestReceivedTime: sevenDigits(event.requestReceivedTimestamp),
    StageReceivedTime: sevenDigits(event.stageTimestamp),
    Annotations: dyn(event.annotations),
    PodName: "kube-apiserver-6797f4455b-jdgtt",
    SourceSystem: "Azure",
    Type: options.type ?? "AKSAudit",
    _ResourceId: (options.resourceId ?? DEFAULT_CLUSTER).toLowerCase(),
  };
  for (const key of Object.keys(row)) if (row[key] === undefined) delete row[key];
  return row;
}

/** A row of the `AzureDiagnostics` table (Azure-diagnostics mode): the event as JSON text in `log_s`. */
export function azureDiagnosticsRow(event: unknown, options: { category?: string; resourceId?: string; log?: string } = {}): Record<string, unknown> {
  const resourceId = options.resourceId ?? DEFAULT_CLUSTER;
  const stage = typeof event === "object" && event !== null ? (event as Record<string, unknown>).stageTimestamp : undefined;
  return {
    TenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    TimeGenerated: sevenDigits(stage) ?? "2024-11-15T21:00:00.0000000Z",
    ResourceId: resourceId,
    Category: options.category ?? "kube-audit",
    ResourceGroup: "RG-PROD",
    SubscriptionId: "0b62a232-b8db-4380-9da6-640f7272ed6d",
    ResourceProvider: "MICROSOFT.CONTAINERSERVICE",
    Resource: resourceId.slice(resourceId.lastIndexOf("/") + 1),
    ResourceType: "MANAGEDCLUSTERS",
    OperationName: "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
    log_s: options.log ?? `${JSON.stringify(event)}\n`,
    pod_s: "kube-apiserver-6797f4455b-jdgtt",
    stream_s: "stdout",
    SourceSystem: "Azure",
    Type: "AzureDiagnostics",
    _ResourceId: resourceId.toLowerCase(),
  };
}

export function eventList(events: readonly unknown[]): Record<string, unknown> {
  return { kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items: events };
}

/** What decodeMessage handed its sink, and what normalizeAuditRecord made of every record. */
export interface Decoded {
  readonly records: AuditRecord[];
  readonly events: AuditEvent[];
  /** Records normalizeAuditRecord rejected, with the reason. */
  readonly rejected: { record: AuditRecord; reason: string }[];
  readonly skipped: string[];
  readonly quarantined: QuarantineEntry[];
}

export function decodeAndNormalize(body: unknown, location: SourceLocation, defaults?: RecordDefaults): Decoded {
  const out: Decoded = { records: [], events: [], rejected: [], skipped: [], quarantined: [] };
  const sink: DecodeSink = {
    record: (record) => out.records.push(record),
    skip: (category) => out.skipped.push(category),
    quarantine: (entry) => out.quarantined.push(entry),
  };
  decodeMessage(body, location, sink, defaults);
  for (const record of out.records) {
    const result = normalizeAuditRecord(record);
    if (result.ok) out.events.push(result.event);
    else out.rejected.push({ record, reason: result.reason });
  }
  return out;
}

/** JSON text of a value that may hold Maps (AuditUser.extra), for substring checks. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v)) ?? "";
}

/** Every record read is used, skipped or quarantined: nothing is lost silently. */
export function isBalanced(stats: PipelineStats): boolean {
  return stats.records === stats.events + totalSkipped(stats) + stats.quarantined;
}
