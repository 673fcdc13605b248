/**
 * One audit record in, one typed AuditEvent out: the inner JSON is parsed once here and nowhere else.
 * Hostile input (wrong types, huge strings, `__proto__` keys) yields a rejection reason, never a throw.
 */
import { createHash } from "node:crypto";
import type { AuditRecord } from "../decode/decodeMessage.js";
import { parseJson } from "../decode/decodeMessage.js";
import { actorTypeOf } from "./actorType.js";
import type { AuditEvent, AuditUser, Cluster, ObjectRef } from "./auditEvent.js";
import { carriesCredentials, redactSensitiveObject } from "./redact.js";
import { parseEventTime } from "./time.js";

export type NormalizeResult = { readonly ok: true; readonly event: AuditEvent } | { readonly ok: false; readonly reason: string };

/** Longest string field kept; longer values (hostile or corrupt) are cut so that state stays small. */
const MAX_FIELD = 4096;
const MAX_LIST = 64;

export function normalizeAuditRecord(record: AuditRecord): NormalizeResult {
  let raw = record.log;
  if (typeof raw === "string") {
    const parsed = parseJson(raw);
    if (!parsed.ok) return { ok: false, reason: `audit event is not valid JSON: ${parsed.error}` };
    raw = parsed.value;
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, reason: `audit event is not a JSON object (${raw === null ? "null" : Array.isArray(raw) ? "array" : typeof raw})` };
  }
  const e = raw as Record<string, unknown>;
  const verb = e.verb;
  if (typeof verb !== "string" || verb === "") return { ok: false, reason: "audit event has no verb" };

  const stageTime = parseEventTime(e.stageTimestamp);
  const receivedTime = parseEventTime(e.requestReceivedTimestamp);
  const time = stageTime ?? receivedTime ?? parseEventTime(e.timestamp) ?? parseEventTime(record.envelopeTime);
  if (time === undefined) return { ok: false, reason: "audit event has no valid timestamp (stageTimestamp, requestReceivedTimestamp or envelope time)" };

  const auditId = str(e.auditID) || syntheticAuditId(record.log);
  if (auditId === undefined) return { ok: false, reason: "audit event has no auditID and is nested too deeply to identify" };

  const user = readUser(e.user) ?? EMPTY_USER;
  const objectRef = withCreatedName(readObjectRef(e.objectRef), verb, e.responseObject);
  const sensitive = objectRef !== undefined && carriesCredentials(objectRef.resource, objectRef.subresource);
  const annotations = e.annotations !== null && typeof e.annotations === "object" ? (e.annotations as Record<string, unknown>) : undefined;
  const decision = annotations?.["authorization.k8s.io/decision"];
  const status = e.responseStatus !== null && typeof e.responseStatus === "object" ? (e.responseStatus as Record<string, unknown>) : undefined;
  const code = status?.code;

  return {
    ok: true,
    event: {
      cluster: clusterOf(record.resourceId),
      category: record.category,
      auditId,
      stage: str(e.stage) || "ResponseComplete",
      level: str(e.level),
      time,
      requestReceivedTime: receivedTime ?? time,
      verb,
      requestUri: str(e.requestURI),
      user,
      actorType: actorTypeOf(user.username, user.groups),
      impersonatedUser: readUser(e.impersonatedUser),
      sourceIps: strList(e.sourceIPs),
      userAgent: str(e.userAgent),
      objectRef,
      responseCode: typeof code === "number" && Number.isFinite(code) ? code : undefined,
      decision: decision === "allow" || decision === "forbid" ? decision : undefined,
      authorizationReason: str(annotations?.["authorization.k8s.io/reason"]),
      requestObject: sensitive ? undefined : redactSensitiveObject(e.requestObject),
      responseObject: sensitive ? undefined : redactSensitiveObject(e.responseObject),
    },
  };
}

const EMPTY_USER: AuditUser = { username: "", uid: undefined, groups: [], extra: new Map() };

function readUser(value: unknown): AuditUser | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const u = value as Record<string, unknown>;
  const extra = new Map<string, readonly string[]>();
  if (u.extra !== null && typeof u.extra === "object" && !Array.isArray(u.extra)) {
    // Object.keys, not Object.entries(…).slice(): the same own keys in the same order, without two arrays per user.
    const values = u.extra as Record<string, unknown>;
    const keys = Object.keys(values);
    const n = Math.min(keys.length, MAX_LIST);
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      extra.set(key.length > MAX_FIELD ? key.slice(0, MAX_FIELD) : key, strList(values[key]));
    }
  }
  return { username: str(u.username), uid: typeof u.uid === "string" ? str(u.uid) : undefined, groups: strList(u.groups), extra };
}

function readObjectRef(value: unknown): ObjectRef | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const resource = str(r.resource);
  if (resource === "") return undefined;
  return {
    resource,
    subresource: str(r.subresource),
    namespace: str(r.namespace),
    name: str(r.name),
    apiGroup: str(r.apiGroup),
    apiVersion: str(r.apiVersion),
  };
}

/**
 * A create with `generateName` has no name in its reference: the server picks it, and only the response
 * says which (when the policy logs responses). Taken from there, so Targets and every detection name the
 * object that exists, not `pods/prod/`. A name is not a secret's data, so it is read even for Secrets.
 */
function withCreatedName(ref: ObjectRef | undefined, verb: string, response: unknown): ObjectRef | undefined {
  if (ref?.name !== "" || verb !== "create" || ref.subresource !== "") return ref;
  const metadata = response !== null && typeof response === "object" ? (response as Record<string, unknown>).metadata : undefined;
  const name = metadata !== null && typeof metadata === "object" ? str((metadata as Record<string, unknown>).name) : "";
  return name === "" ? ref : { ...ref, name };
}

const clusterCache = new Map<string, Cluster>();
let lastResourceId: string | undefined;
let lastCluster: Cluster | undefined;

/** `/SUBSCRIPTIONS/…/MANAGEDCLUSTERS/NAME` → lower-cased id and name; cached, as a hub carries few clusters. */
export function clusterOf(resourceId: string): Cluster {
  // Consecutive records nearly always name the same cluster: comparing with the last id is cheaper than
  // hashing every record's fresh copy of it for the map.
  if (resourceId === lastResourceId && lastCluster !== undefined) return lastCluster;
  let cluster = clusterCache.get(resourceId);
  if (cluster === undefined) {
    const id = resourceId.toLowerCase();
    const slash = id.lastIndexOf("/");
    cluster = { resourceId: id, name: slash >= 0 ? id.slice(slash + 1) : id };
    if (clusterCache.size < 10_000) clusterCache.set(resourceId, cluster);
  }
  lastResourceId = resourceId;
  lastCluster = cluster;
  return cluster;
}

function str(value: unknown): string {
  if (typeof value !== "string") return "";
  return value.length > MAX_FIELD ? value.slice(0, MAX_FIELD) : value;
}

function strList(value: unknown): readonly string[] {
  if (!Array.isArray(value)) return typeof value === "string" ? [str(value)] : [];
  const out: string[] = [];
  for (const item of value) {
    if (typeof item === "string") out.push(str(item));
    if (out.length >= MAX_LIST) break;
  }
  return out;
}

/**
 * Events without an auditID (hand-written fixtures, some exports) get a stable id from their content;
 * undefined when the content cannot be serialized (nested deeper than the stack allows).
 */
function syntheticAuditId(log: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = typeof log === "string" ? log : JSON.stringify(log);
  } catch {
    return undefined;
  }
  return `sha1-${createHash("sha1")
    .update(text ?? "")
    .digest("hex")
    .slice(0, 32)}`;
}
