/**
 * Turns whatever arrived (an Event Hub message body, a file line, a whole JSON document) into audit
 * records, recognising each envelope by its shape. Records of other log categories are skipped and
 * counted; shapes that are not audit data are quarantined. Nothing here throws.
 */
import { AUDIT_CATEGORIES, type AuditCategory } from "../normalize/auditEvent.js";
import { fromLogAnalyticsRow, isLogAnalyticsAuditRow } from "./logAnalyticsRow.js";
import { type SourceLocation, withRecord } from "./location.js";
import { type QuarantineEntry, quarantineEntry } from "./quarantine.js";

/** One audit event as carried by its envelope, not yet parsed or checked. */
export interface AuditRecord {
  /** The audit event: JSON text (AKS `properties.log`, a file line) or an already-parsed object. */
  readonly log: unknown;
  readonly category: AuditCategory | undefined;
  /** The cluster's resource id as the envelope gives it, or an empty string. */
  readonly resourceId: string;
  /** The envelope's `time`, used only when the event has no timestamp of its own. */
  readonly envelopeTime: string | undefined;
  readonly location: SourceLocation;
}

export interface DecodeSink {
  record(record: AuditRecord): void;
  /** A record of another category (kube-apiserver klog text, cluster-autoscaler, …). */
  skip(category: string): void;
  quarantine(entry: QuarantineEntry): void;
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });
const MAX_NESTING = 4;

/** Decodes one message body: a string or bytes of JSON, or a value the Functions host already parsed. */
export function decodeMessage(body: unknown, location: SourceLocation, sink: DecodeSink, defaults?: RecordDefaults): void {
  let value: unknown = body;
  if (body instanceof Uint8Array) value = textDecoder.decode(body);
  if (typeof value === "string") {
    const parsed = parseJson(value);
    if (!parsed.ok) {
      sink.quarantine(quarantineEntry(`message is not valid JSON: ${parsed.error}`, location, value));
      return;
    }
    value = parsed.value;
  }
  decodeValue(value, location, sink, defaults ?? NO_DEFAULTS, 0);
}

/** What to assume for records whose envelope does not say (raw kube-apiserver logs have no resource id). */
export interface RecordDefaults {
  readonly resourceId?: string;
}
const NO_DEFAULTS: RecordDefaults = {};

export function decodeValue(value: unknown, location: SourceLocation, sink: DecodeSink, defaults: RecordDefaults, depth: number): void {
  if (Array.isArray(value)) {
    if (depth >= MAX_NESTING) {
      sink.quarantine(quarantineEntry("arrays nested too deep", location, value));
      return;
    }
    for (let i = 0; i < value.length; i++) decodeValue(value[i], withRecord(location, i), sink, defaults, depth + 1);
    return;
  }
  if (value === null || typeof value !== "object") {
    sink.quarantine(quarantineEntry(`expected a JSON object, got ${value === null ? "null" : typeof value}`, location, value));
    return;
  }
  const obj = value as Record<string, unknown>;
  const records = obj.records;
  if (Array.isArray(records)) {
    // Event Hub message from AKS diagnostic settings: {"records":[…]}.
    for (let i = 0; i < records.length; i++) decodeDiagnosticRecord(records[i], withRecord(location, i), sink, defaults);
    return;
  }
  if (obj.kind === "EventList" && Array.isArray(obj.items)) {
    const items = obj.items;
    for (let i = 0; i < items.length; i++) emitRawEvent(items[i], withRecord(location, i), sink, defaults);
    return;
  }
  // A diagnostic record of any category (Activity Log records carry no `properties`): other categories are skipped.
  if (typeof obj.category === "string" && ("properties" in obj || "operationName" in obj || "resourceId" in obj)) {
    decodeDiagnosticRecord(obj, location, sink, defaults);
    return;
  }
  if (typeof obj.Category === "string" && "log_s" in obj) {
    decodeAzureDiagnosticsRow(obj, location, sink, defaults);
    return;
  }
  if (isLogAnalyticsAuditRow(obj)) {
    const row = fromLogAnalyticsRow(obj);
    sink.record({ ...row, resourceId: row.resourceId || (defaults.resourceId ?? ""), location });
    return;
  }
  if (looksLikeAuditEvent(obj)) {
    emitRawEvent(obj, location, sink, defaults);
    return;
  }
  sink.quarantine(quarantineEntry("not an audit record: no records[], category, EventList or audit Event fields", location, obj));
}

function decodeDiagnosticRecord(value: unknown, location: SourceLocation, sink: DecodeSink, defaults: RecordDefaults): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    sink.quarantine(quarantineEntry("diagnostic record is not an object", location, value));
    return;
  }
  const rec = value as Record<string, unknown>;
  const category = typeof rec.category === "string" ? rec.category : typeof rec.Category === "string" ? rec.Category : undefined;
  if (!isAuditCategory(category)) {
    if (category === undefined) {
      sink.quarantine(quarantineEntry("diagnostic record has no category", location, rec));
      return;
    }
    sink.skip(category);
    return;
  }
  const properties = rec.properties;
  const log = properties !== null && typeof properties === "object" ? (properties as Record<string, unknown>).log : undefined;
  if (log === undefined || log === null || log === "") {
    sink.quarantine(quarantineEntry("diagnostic record has no properties.log", location, rec));
    return;
  }
  sink.record({
    log,
    category,
    resourceId: typeof rec.resourceId === "string" ? rec.resourceId : (defaults.resourceId ?? ""),
    envelopeTime: typeof rec.time === "string" ? rec.time : undefined,
    location,
  });
}

/** A row of the AzureDiagnostics table: the audit event is a JSON string in `log_s`. */
function decodeAzureDiagnosticsRow(row: Record<string, unknown>, location: SourceLocation, sink: DecodeSink, defaults: RecordDefaults): void {
  const category = row.Category as string;
  if (!isAuditCategory(category)) {
    sink.skip(category);
    return;
  }
  sink.record({
    log: row.log_s,
    category,
    resourceId: typeof row.ResourceId === "string" ? row.ResourceId : typeof row._ResourceId === "string" ? row._ResourceId : (defaults.resourceId ?? ""),
    envelopeTime: typeof row.TimeGenerated === "string" ? row.TimeGenerated : undefined,
    location,
  });
}

function emitRawEvent(value: unknown, location: SourceLocation, sink: DecodeSink, defaults: RecordDefaults): void {
  sink.record({ log: value, category: undefined, resourceId: defaults.resourceId ?? "", envelopeTime: undefined, location });
}

function looksLikeAuditEvent(obj: Record<string, unknown>): boolean {
  return obj.kind === "Event" || typeof obj.auditID === "string" || (typeof obj.verb === "string" && ("requestURI" in obj || "objectRef" in obj));
}

function isAuditCategory(category: string | undefined): category is AuditCategory {
  return category === AUDIT_CATEGORIES[0] || category === AUDIT_CATEGORIES[1];
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/** JSON.parse that reports instead of throwing, and tolerates a leading byte-order mark. */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (error) {
    return { ok: false, error: describeJsonError(error, text) };
  }
}

function describeJsonError(error: unknown, text: string): string {
  // V8 quotes a few characters around the fault ('"abc"... is not valid JSON'): drop them, they may be a secret's.
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /, ".*" is not valid JSON$|, ".*"\.\.\. is not valid JSON$/s,
    " (not valid JSON)",
  );
  if (/Unexpected end of JSON input|Unterminated string|Expected .* after/.test(message) && !/in JSON at position \d+ \(line/.test(message)) {
    return `${message} (${text.length} characters; truncated?)`;
  }
  return message;
}
