/**
 * Input message → what to publish. An Event Hub message (`{"records":[…]}`) goes out unchanged, as the same
 * bytes; a diagnostic record (a storage-archive line) is kept as it is and grouped with its neighbours into
 * messages; anything else the decoder reads as audit records (raw `audit.k8s.io` Events, EventLists, Log
 * Analytics rows) becomes an AKS record first. Each unit carries its partition key, its event time (for
 * --speed) and its place in the input.
 */
import { type AuditRecord, type DecodeSink, decodeValue, parseJson } from "../decode/decodeMessage.js";
import { formatLocation, type SourceLocation, withRecord } from "../decode/location.js";
import type { QuarantineEntry } from "../decode/quarantine.js";
import { parseEventTime } from "../normalize/time.js";
import type { InputMessage } from "../pipeline.js";
import { aksRecordJson, auditEventTime } from "./aksRecord.js";
import { EventHubTargetError } from "./eventHubTargetError.js";

/** `cluster`: partition key = the cluster's resource id; `service`: none, the hub spreads messages as it does for AKS. */
export type PartitionBy = "cluster" | "service";

/** A whole Event Hub message, sent as it came. */
export interface MessageUnit {
  readonly kind: "message";
  readonly body: Buffer;
  readonly records: number;
  readonly key: string | undefined;
  readonly time: number | undefined;
  readonly location: SourceLocation;
}

/** One diagnostic record as JSON text, to be grouped into a message. */
export interface RecordUnit {
  readonly kind: "record";
  readonly json: string;
  readonly key: string | undefined;
  readonly time: number | undefined;
  readonly location: SourceLocation;
}

export type PublishUnit = MessageUnit | RecordUnit;

/** Input left out, with why: not JSON, not audit data, or a record of another category in a table export. */
export interface SkippedInput {
  readonly location: string;
  readonly reason: string;
}

export interface UnitOptions {
  /** The cluster for audit events whose envelope names none (a raw kube-apiserver audit.log). */
  readonly clusterResourceId?: string;
  readonly partitionBy: PartitionBy;
  /** For the `time` of an event that carries no timestamp at all. */
  readonly now: () => Date;
}

export interface Units {
  readonly units: PublishUnit[];
  readonly skipped: SkippedInput[];
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });
const MAX_NESTING = 4;

export function toPublishUnits(message: InputMessage, options: UnitOptions): Units {
  const out: Units = { units: [], skipped: [] };
  const { body, location } = message;
  let original: Original | undefined;
  let value: unknown = body;
  if (typeof body === "string" || body instanceof Uint8Array) {
    original = typeof body === "string" ? { text: stripBom(body) } : { text: stripBom(textDecoder.decode(body)), bytes: withoutBom(body) };
    const parsed = parseJson(original.text);
    if (!parsed.ok) {
      out.skipped.push({ location: formatLocation(location), reason: `not valid JSON: ${parsed.error}` });
      return out;
    }
    value = parsed.value;
  }
  classify(value, original, location, options, out, 0);
  return out;
}

/** The input as it came, for the top-level value only: what goes out unchanged. */
interface Original {
  readonly text: string;
  readonly bytes?: Buffer;
}

function classify(value: unknown, original: Original | undefined, location: SourceLocation, options: UnitOptions, out: Units, depth: number): void {
  const text = original?.text;
  if (Array.isArray(value)) {
    if (depth >= MAX_NESTING) out.skipped.push({ location: formatLocation(location), reason: "arrays nested too deep" });
    else for (let i = 0; i < value.length; i++) classify(value[i], undefined, withRecord(location, i), options, out, depth + 1);
    return;
  }
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (Array.isArray(obj.records)) {
      const records = obj.records as unknown[];
      const first = records.find((r): r is Record<string, unknown> => r !== null && typeof r === "object");
      out.units.push({
        kind: "message",
        body: original?.bytes ?? Buffer.from(text ?? JSON.stringify(obj), "utf8"),
        records: records.length,
        key: keyOf(first?.resourceId, options),
        time: parseEventTime(first?.time),
        location,
      });
      return;
    }
    if (typeof obj.category === "string" && ("properties" in obj || "operationName" in obj || "resourceId" in obj)) {
      out.units.push({
        kind: "record",
        json: text?.trim() ?? JSON.stringify(obj),
        key: keyOf(obj.resourceId, options),
        time: parseEventTime(obj.time),
        location,
      });
      return;
    }
  }
  // Everything else is the decoder's to recognise; what it reads as audit records becomes AKS records.
  const sink = new CollectingSink();
  const clusterDefault = options.clusterResourceId?.toUpperCase();
  decodeValue(value, location, sink, clusterDefault ? { resourceId: clusterDefault } : {}, depth);
  for (const entry of sink.quarantined) out.skipped.push({ location: entry.location, reason: entry.reason });
  for (const skipped of sink.skipped) out.skipped.push({ location: formatLocation(location), reason: `category ${skipped} is not an audit category` });
  for (const record of sink.records) out.units.push(recordUnit(record, record.log === value ? text : undefined, options));
}

function recordUnit(record: AuditRecord, originalText: string | undefined, options: UnitOptions): RecordUnit {
  if (record.resourceId === "") {
    throw new EventHubTargetError(
      `${formatLocation(record.location)}: the audit event names no cluster (a raw kube-apiserver audit log?); give the cluster's resource id (--cluster)`,
    );
  }
  // The event as JSON text, as kube-apiserver logs it: the input's own text when it was one event, with the newline.
  const log = typeof record.log === "string" ? record.log : `${originalText?.trim() ?? JSON.stringify(record.log)}\n`;
  const time = record.envelopeTime ?? auditEventTime(record.log) ?? options.now().toISOString();
  return {
    kind: "record",
    json: aksRecordJson({ time, resourceId: record.resourceId.toUpperCase(), category: record.category ?? "kube-audit", log }),
    key: keyOf(record.resourceId, options),
    time: parseEventTime(time),
    location: record.location,
  };
}

/** One cluster, one key, whatever the case its resource id is written in (AKS upper-cases it, exports do not). */
function keyOf(resourceId: unknown, options: UnitOptions): string | undefined {
  if (options.partitionBy !== "cluster") return undefined;
  const id = typeof resourceId === "string" && resourceId !== "" ? resourceId : options.clusterResourceId;
  return id ? id.toLowerCase() : undefined;
}

// A byte-order mark is an artefact of the file the line came from, not part of any message.
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function withoutBom(bytes: Uint8Array): Buffer {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
}

class CollectingSink implements DecodeSink {
  readonly records: AuditRecord[] = [];
  readonly skipped: string[] = [];
  readonly quarantined: QuarantineEntry[] = [];
  record(record: AuditRecord): void {
    this.records.push(record);
  }
  skip(category: string): void {
    this.skipped.push(category);
  }
  quarantine(entry: QuarantineEntry): void {
    this.quarantined.push(entry);
  }
}
