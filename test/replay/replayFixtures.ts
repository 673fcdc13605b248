/**
 * Real-shaped inputs for the replay tests, written from the bundled sample (two hours of one AKS cluster's
 * audit stream as Event Hub messages): Event Hubs Capture files (Avro, written with avsc's own encoder and
 * Capture's schema), storage-archive trees, Log Analytics JSON and CSV exports, rotated audit.log files.
 */
import { once } from "node:events";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { finished } from "node:stream/promises";
import avsc from "avsc";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { runReplay, type ReplayOptions, type ReplayResult } from "../../pipeline/replay/runReplay.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import { FIXED_NOW } from "../support/harness.js";

export const SAMPLE = new URL("../../samples/aks-attack-story.jsonl", import.meta.url).pathname;

/** The sample's Event Hub message bodies, as lines. */
export const sampleMessages: readonly string[] = readFileSync(SAMPLE, "utf8")
  .split("\n")
  .filter((line) => line !== "");

export interface DiagnosticRecord {
  readonly category: string;
  readonly resourceId: string;
  readonly time: string;
  readonly properties: { readonly log: string };
}

/** Every diagnostic record of the sample, in message order. */
export const sampleRecords: readonly DiagnosticRecord[] = sampleMessages.flatMap((m) => (JSON.parse(m) as { records: DiagnosticRecord[] }).records);

/** The audit event inside a record, parsed (undefined for the sample's deliberately truncated one and klog lines). */
export function auditEventOf(record: DiagnosticRecord): Record<string, unknown> | undefined {
  if (record.category !== "kube-audit") return undefined;
  try {
    return JSON.parse(record.properties.log) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export const tempDir = (prefix = "kubetrail-replay-") => mkdtempSync(join(tmpdir(), prefix));

export function write(path: string, content: string | Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** Event Hubs Capture's record schema (explore-captured-avro-files.md). */
export const CAPTURE_SCHEMA: avsc.Schema = {
  type: "record",
  name: "EventData",
  namespace: "Microsoft.ServiceBus.Messaging",
  fields: [
    { name: "SequenceNumber", type: "long" },
    { name: "Offset", type: "string" },
    { name: "EnqueuedTimeUtc", type: "string" },
    { name: "SystemProperties", type: { type: "map", values: ["long", "double", "string", "bytes"] } },
    { name: "Properties", type: { type: "map", values: ["long", "double", "string", "bytes"] } },
    { name: "Body", type: ["null", "bytes"] },
  ],
};

/** A Capture file of these message bodies, sequence numbers from `firstSequence`. */
export async function writeCapture(
  path: string,
  bodies: readonly string[],
  options: { firstSequence?: number; codec?: "null" | "deflate"; blockSize?: number } = {},
) {
  mkdirSync(dirname(path), { recursive: true });
  const encoder = new avsc.streams.BlockEncoder(CAPTURE_SCHEMA, { codec: options.codec ?? "deflate", blockSize: options.blockSize ?? 16 * 1024 });
  const file = createWriteStream(path);
  encoder.pipe(file);
  let offset = 0;
  for (const [i, body] of bodies.entries()) {
    const bytes = Buffer.from(body);
    const record = {
      SequenceNumber: (options.firstSequence ?? 0) + i,
      Offset: String(offset),
      EnqueuedTimeUtc: "11/20/2026 8:00:01 AM",
      SystemProperties: {},
      Properties: {},
      Body: bytes,
    };
    offset += bytes.length;
    if (!encoder.write(record)) await once(encoder, "drain");
  }
  encoder.end();
  await finished(file);
  return path;
}

/** `insights-logs-kube-audit/resourceId=…/y=/m=/d=/h=/m=00/PT1H.json` for the hour of `time`. */
export function archivePath(root: string, resourceId: string, time: number): string {
  const d = new Date(time);
  const p = (n: number) => String(n).padStart(2, "0");
  return join(
    root,
    "insights-logs-kube-audit",
    `resourceId=${resourceId}`,
    `y=${d.getUTCFullYear()}`,
    `m=${p(d.getUTCMonth() + 1)}`,
    `d=${p(d.getUTCDate())}`,
    `h=${p(d.getUTCHours())}`,
    "m=00",
    "PT1H.json",
  );
}

/** RFC 4180 quoting: a cell with a comma, quote or newline is quoted and its quotes doubled. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",")}\r\n`;
}

/** The portal's CSV datetime: `11/20/2026, 8:00:00.123 AM`. */
export function portalTime(iso: string): string {
  const d = new Date(iso);
  const hours = d.getUTCHours();
  const h12 = hours % 12 === 0 ? 12 : hours % 12;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}, ${h12}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} ${hours < 12 ? "AM" : "PM"}`;
}

export interface Replayed {
  readonly rows: IncidentRow[];
  readonly quarantined: { location: string; reason: string }[];
  readonly result: ReplayResult;
}

/** runReplay on a memory store with the fixed clock, collecting rows and quarantined records. */
export async function replay(inputs: readonly string[], options: Partial<ReplayOptions> = {}): Promise<Replayed> {
  const rows: IncidentRow[] = [];
  const quarantined: { location: string; reason: string }[] = [];
  const result = await runReplay({
    inputs,
    store: new MemoryStateStore(),
    clock: () => FIXED_NOW,
    onIncident: (row) => {
      rows.push(row);
    },
    onQuarantine: (entry) => {
      quarantined.push({ location: entry.location, reason: entry.reason });
    },
    ...options,
  });
  return { rows, quarantined, result };
}
