/**
 * Helpers for the corpus tests: they replay data others wrote (../shared/corpus beside the repo) through the
 * real pipeline. Nothing here decides an outcome; it only finds files, reads them and runs the pipeline.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { allDetections } from "../../detections/index.js";
import { type ResolvedSettings, resolveSettings } from "../../pipeline/config/settings.js";
import { type DecodeSink, decodeMessage } from "../../pipeline/decode/decodeMessage.js";
import { type BatchResult, type InputMessage, Pipeline } from "../../pipeline/pipeline.js";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { normalizeAuditRecord } from "../../pipeline/normalize/normalizeAuditRecord.js";
import { readMessages } from "../../pipeline/replay/readInputs.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The corpus lives beside the repo (CI clones the repo with shared/ next to it). */
export const CORPUS_ROOT = resolve(REPO_ROOT, "../shared/corpus");

export function corpusPath(...parts: string[]): string {
  return join(CORPUS_ROOT, ...parts);
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Running the pipeline

export interface Replay extends BatchResult {
  /** The normalized events, in record order (the pipeline keeps them internal; tests want to look at them). */
  readonly events: AuditEvent[];
}

/** The `detections` part of a config file: settings by detection id, as a user would write them. */
export type DetectionConfig = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** The ids of every registered detection (`allDetections`), in registration order. */
export const REGISTERED: readonly string[] = allDetections.map((d) => d.id);

export function isRegistered(detectionId: string): boolean {
  return REGISTERED.includes(detectionId);
}

/** Every detection's settings, with `config` applied as a config file would apply it. */
export function settingsFor(config: DetectionConfig = {}): ResolvedSettings {
  return resolveSettings(allDetections, { detections: config }, "corpus test config");
}

/**
 * Decodes, normalizes and detects one batch of messages with a fresh pipeline and in-memory state, every
 * registered detection on its defaults or on `config`.
 */
export async function replay(messages: readonly InputMessage[], config: DetectionConfig = {}): Promise<Replay> {
  const pipeline = new Pipeline({ settings: settingsFor(config) });
  // Every normalized event, selected or not, for field checks; the pipeline itself keeps only what detections need.
  const events: AuditEvent[] = [];
  const collect: DecodeSink = {
    record: (record) => {
      const result = normalizeAuditRecord(record);
      if (result.ok) events.push(result.event);
    },
    skip: () => undefined,
    quarantine: () => undefined,
  };
  for (const message of messages) decodeMessage(message.body, message.location, collect);
  const result = await pipeline.processDecoded(pipeline.decode(messages));
  return { ...result, events };
}

/** Every message of a corpus file, read the way the replay CLI reads it. */
export async function readFileMessages(path: string): Promise<InputMessage[]> {
  const messages: InputMessage[] = [];
  for await (const message of readMessages({ path, size: statSync(path).size })) messages.push(message);
  return messages;
}

export async function replayFile(path: string, config: DetectionConfig = {}): Promise<Replay & { readonly messages: InputMessage[] }> {
  const messages = await readFileMessages(path);
  return { ...(await replay(messages, config)), messages };
}

/** One message whose body is a value the Functions host already parsed. */
export function messageOf(body: unknown, source = "corpus", line = 1): InputMessage {
  return { body, location: { source, line } };
}

export function incidentsOf(result: BatchResult, detectionId: string): IncidentRow[] {
  return result.incidents.filter((incident) => incident.DetectionId === detectionId);
}

export function detectionIdsOf(result: BatchResult): string[] {
  return [...new Set(result.incidents.map((incident) => incident.DetectionId))].sort();
}

/** Lines of a JSON-lines file, parsed. */
export function readJsonLines(path: string): unknown[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as unknown);
}

/** Wraps raw audit events into one AKS Event Hub message, as diagnostic settings would send them. */
export function aksEventHubMessage(events: readonly unknown[], resourceId: string, time: string): { records: JsonObject[] } {
  return {
    records: events.map((event) => ({
      category: "kube-audit",
      operationName: "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
      resourceId,
      time,
      properties: { log: `${JSON.stringify(event)}\n`, stream: "stdout", pod: "kube-apiserver-corpus" },
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Falco: falco-k8s-audit-traces/

export const FALCO_DIR = corpusPath("falco-k8s-audit-traces");

export interface FalcoCase {
  readonly test: string;
  readonly detect: boolean;
  readonly detect_counts: Readonly<Record<string, number>>;
  readonly extra_rules_files: readonly string[];
}

/** `_labels_derived.json`: Falco's test cases, keyed by trace file. */
export function falcoLabels(): ReadonlyMap<string, readonly FalcoCase[]> {
  const parsed = JSON.parse(readFileSync(join(FALCO_DIR, "_labels_derived.json"), "utf8")) as { traces: Record<string, FalcoCase[]> };
  return new Map(Object.entries(parsed.traces));
}

/** The trace files (everything but the derived index and Falco's test matrix). */
export function falcoTraceFiles(): string[] {
  return readdirSync(FALCO_DIR)
    .filter((name) => name.endsWith(".json") && !name.startsWith("_"))
    .sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Panther: panther-analysis-k8s-rule-tests/

export const PANTHER_DIR = corpusPath("panther-analysis-k8s-rule-tests");

export interface PantherTest {
  readonly source_file: string;
  readonly rule_id: string;
  readonly display_name: string;
  readonly severity: string;
  readonly test_name: string;
  readonly expected_result: boolean;
  readonly log_type: string;
  readonly aks_envelope_record: boolean;
  readonly log: JsonObject;
}

export function pantherTests(): PantherTest[] {
  return readJsonLines(join(PANTHER_DIR, "_tests_extracted_derived.jsonl")) as PantherTest[];
}

/** `<rule id> / <test name>`: test names repeat across rules ("Non-Anonymous API Access"). */
export function pantherKey(test: Pick<PantherTest, "rule_id" | "test_name">): string {
  return `${test.rule_id} / ${test.test_name}`;
}

/**
 * A top-level numeric setting of a rule's YAML (`Threshold`, `DedupPeriodMinutes`), if the rule has it. A
 * trailing YAML comment is allowed (`Threshold: 10 # The minimum number of event matches …`).
 */
export function pantherRuleNumber(sourceFile: string, key: string): number | undefined {
  const yaml = readFileSync(join(PANTHER_DIR, sourceFile), "utf8");
  const match = new RegExp(`^${key}:\\s*(\\d+)\\s*(#.*)?$`, "m").exec(yaml);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

const TIME_FIELDS = ["stageTimestamp", "requestReceivedTimestamp", "timestamp"] as const;

function hasEventTime(event: JsonObject): boolean {
  return TIME_FIELDS.some((field) => typeof event[field] === "string");
}

/** The inner audit event of an AKS diagnostic record (`properties.log`, a JSON string), or the raw event itself. */
export function auditEventOf(log: JsonObject): JsonObject {
  const properties = log.properties;
  if (isObject(properties) && typeof properties.log === "string") return JSON.parse(properties.log) as JsonObject;
  if (isObject(properties) && isObject(properties.log)) return properties.log;
  return log;
}

function withAuditEvent(log: JsonObject, event: JsonObject): JsonObject {
  const properties = log.properties;
  if (isObject(properties) && "log" in properties) return { ...log, properties: { ...properties, log: JSON.stringify(event) } };
  return event;
}

/**
 * Panther's test logs are hand-written and omit fields that every real audit event carries and that Panther's
 * rule() never reads. Completes exactly those, and only when absent:
 * - a time: AKS records get the envelope `time` AKS always sets; raw events get `requestReceivedTimestamp` and
 *   `stageTimestamp`;
 * - a verb: the 11 logs without one are all tests of the anonymous-access rules and all describe reads (health
 *   checks, a pod GET, a bare request from localhost), so `get`; anonymous-access does not select by verb.
 * Nothing a detection decides on (user, objectRef, response code, body) is touched.
 */
export function completePantherLog(log: JsonObject, time: string): JsonObject {
  const event = auditEventOf(log);
  const isEnvelope = event !== log;
  let completed = event;
  if (typeof event.verb !== "string") completed = { ...completed, verb: "get" };
  if (!isEnvelope && !hasEventTime(completed)) completed = { ...completed, requestReceivedTimestamp: time, stageTimestamp: time };
  if (!isEnvelope) return completed;
  const record = completed === event ? log : withAuditEvent(log, completed);
  return hasEventTime(completed) || typeof record.time === "string" ? record : { ...record, time };
}

/**
 * The same request `count` times as distinct audit events (own auditID, one second apart), for Panther threshold
 * rules whose Threshold counts matching events. The times replace any the log had so that all copies fall into
 * one detection window.
 */
export function repeatAsDistinctEvents(log: JsonObject, count: number, startMs: number): JsonObject[] {
  const copies: JsonObject[] = [];
  const base = completePantherLog(log, new Date(startMs).toISOString());
  for (let i = 0; i < count; i++) {
    const time = new Date(startMs + i * 1000).toISOString();
    const event = { ...auditEventOf(base), auditID: `corpus-repeat-${i}`, requestReceivedTimestamp: time, stageTimestamp: time };
    copies.push(withAuditEvent(base, event));
  }
  return copies;
}

// ---------------------------------------------------------------------------------------------------------------
// Settings

/** A numeric default setting of a core detection (thresholds), so tests follow the code's defaults. */
export function defaultNumberSetting(detectionId: string, name: string): number {
  const settings = resolveSettings(allDetections).get(detectionId) as Readonly<Record<string, unknown>> | undefined;
  const value = settings?.[name];
  if (typeof value !== "number") throw new Error(`${detectionId} has no numeric setting ${name}`);
  return value;
}

/** A peer's expectation and ours for one (case, detection) pair. */
export interface Compared {
  readonly expected: boolean;
  readonly ours: boolean;
}

/** Agreement figures: pairs that agree, all pairs, positives (the peer expects an alert) and positives we fire on. */
export function agreementOf(rows: readonly Compared[]) {
  const positives = rows.filter((r) => r.expected);
  return {
    agree: rows.filter((r) => r.expected === r.ours).length,
    total: rows.length,
    positive: positives.length,
    positiveAgree: positives.filter((r) => r.ours).length,
  };
}

/** Deliberate differences grouped under their reason, as a map from `<case> / <detection>` to the reason. */
export function differencesOf(groups: ReadonlyArray<readonly [reason: string, keys: readonly string[]]>): ReadonlyMap<string, string> {
  return new Map(groups.flatMap(([reason, keys]) => keys.map((key) => [key, reason] as const)));
}

/** `<case> / <detection>` split at its last separator (case keys contain " / " themselves). */
export function splitPair(key: string): { subject: string; detection: string } {
  const at = key.lastIndexOf(" / ");
  return { subject: key.slice(0, at), detection: key.slice(at + 3) };
}
