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
  const objectRef = readObjectRef(e.objectRef);
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
      sourceIps: sourceIpsOf(e.sourceIPs),
      userAgent: str(e.userAgent),
      objectRef,
      responseCode: typeof code === "number" && Number.isFinite(code) ? code : undefined,
      decision: decision === "allow" ? "allow" : decision === "forbid" ? "forbid" : undefined,
      authorizationReason: str(annotations?.["authorization.k8s.io/reason"]),
      requestObject: sensitive ? undefined : redactSensitiveObject(e.requestObject),
      responseObject: sensitive ? undefined : redactSensitiveObject(e.responseObject),
    },
  };
}

const EMPTY_USER: AuditUser = { username: "", uid: undefined, groups: [], extra: new Map() };

/*
 * A batch keeps its events until detection has run, so every object an event holds outlives the young
 * generation and is copied by the garbage collector. Users and address lists repeat from event to event
 * (a cluster has few identities), so an equal one built earlier is returned instead of a new one. They
 * are read-only and equal either way, and the caches are bounded, so hostile input only costs misses.
 * (Sharing strings the same way was measured slower: V8 already shares short ones, and hashing the
 * others costs more than the collector saves.)
 */
const COMMON_MAX_LENGTH = 256;
const COMMON_MAX_ENTRIES = 20_000;

const singleIpLists = new Map<string, readonly string[]>();

/** `strList(value)`; a list of one short address (nearly every event) is shared. */
function sourceIpsOf(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length !== 1) return strList(value);
  const ip = value[0];
  if (typeof ip !== "string" || ip.length > COMMON_MAX_LENGTH) return strList(value);
  let list = singleIpLists.get(ip);
  if (list === undefined) {
    if (singleIpLists.size >= COMMON_MAX_ENTRIES) singleIpLists.clear();
    list = [ip];
    singleIpLists.set(ip, list);
  }
  return list;
}

/** A user built from plain, short fields, kept with what it was built from so a match costs no allocation. */
interface KnownUser {
  readonly user: AuditUser;
  readonly extraKeys: readonly string[];
  readonly extraValues: readonly (readonly string[])[];
}

const USER_VARIANTS = 8;
const knownUsers = new Map<string, KnownUser[]>();

function readUser(value: unknown): AuditUser | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const u = value as Record<string, unknown>;
  const username = u.username;
  const cacheable = typeof username === "string" && username.length <= COMMON_MAX_LENGTH;
  if (cacheable) {
    const variants = knownUsers.get(username);
    if (variants !== undefined) {
      for (let i = 0; i < variants.length; i++) {
        const known = variants[i] as KnownUser;
        if (sameUser(u, known)) return known.user;
      }
    }
  }
  const extra = new Map<string, readonly string[]>();
  if (u.extra !== null && typeof u.extra === "object" && !Array.isArray(u.extra)) {
    for (const [key, values] of Object.entries(u.extra as Record<string, unknown>).slice(0, MAX_LIST)) {
      extra.set(key.slice(0, MAX_FIELD), strList(values));
    }
  }
  const user: AuditUser = { username: str(username), uid: typeof u.uid === "string" ? str(u.uid) : undefined, groups: strList(u.groups), extra };
  if (cacheable && isPlainUser(u)) rememberUser(username, { user, extraKeys: [...extra.keys()], extraValues: [...extra.values()] });
  return user;
}

/**
 * Whether every field the user is built from is short and of the expected type, so that building it
 * copies values unchanged and `sameUser` can compare the raw fields with the built ones directly.
 */
function isPlainUser(u: Record<string, unknown>): boolean {
  if (u.uid !== undefined && !(typeof u.uid === "string" && u.uid.length <= COMMON_MAX_LENGTH)) return false;
  if (u.groups !== undefined && !isPlainList(u.groups)) return false;
  const extra = u.extra;
  if (extra === undefined) return true;
  if (extra === null || typeof extra !== "object" || Array.isArray(extra)) return false;
  const keys = Object.keys(extra);
  if (keys.length > MAX_LIST) return false;
  for (const key of keys) {
    if (key.length > COMMON_MAX_LENGTH || !isPlainList((extra as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function isPlainList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > MAX_LIST) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== "string" || item.length > COMMON_MAX_LENGTH) return false;
  }
  return true;
}

/** Whether building a user from `u` would give a value equal to `known.user` (same username assumed). */
function sameUser(u: Record<string, unknown>, known: KnownUser): boolean {
  const user = known.user;
  const uid = u.uid;
  if (typeof uid === "string" ? uid !== user.uid : user.uid !== undefined) return false;
  if (!sameList(u.groups, user.groups)) return false;
  const extra = u.extra;
  const keys = known.extraKeys;
  if (extra === null || typeof extra !== "object" || Array.isArray(extra)) return keys.length === 0;
  const rawKeys = Object.keys(extra);
  if (Math.min(rawKeys.length, MAX_LIST) !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = rawKeys[i] as string;
    if (key !== keys[i]) return false;
    if (!sameList((extra as Record<string, unknown>)[key], known.extraValues[i] as readonly string[])) return false;
  }
  return true;
}

/** Whether `strList(value)` would equal `list`, whose items are all at most COMMON_MAX_LENGTH long. */
function sameList(value: unknown, list: readonly string[]): boolean {
  if (!Array.isArray(value)) return typeof value === "string" ? list.length === 1 && list[0] === value : list.length === 0;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== "string") continue;
    if (n >= list.length || item !== list[n]) return false;
    if (++n >= MAX_LIST) break;
  }
  return n === list.length;
}

function rememberUser(username: string, known: KnownUser): void {
  let variants = knownUsers.get(username);
  if (variants === undefined) {
    if (knownUsers.size >= COMMON_MAX_ENTRIES) knownUsers.clear();
    variants = [];
    knownUsers.set(username, variants);
  }
  // Bound tokens name their pod and credential: a few variants per service account, rotating slowly.
  if (variants.length >= USER_VARIANTS) variants.shift();
  variants.push(known);
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

const clusterCache = new Map<string, Cluster>();

/** `/SUBSCRIPTIONS/…/MANAGEDCLUSTERS/NAME` → lower-cased id and name; cached, as a hub carries few clusters. */
export function clusterOf(resourceId: string): Cluster {
  let cluster = clusterCache.get(resourceId);
  if (cluster === undefined) {
    const id = resourceId.toLowerCase();
    const slash = id.lastIndexOf("/");
    cluster = { resourceId: id, name: slash >= 0 ? id.slice(slash + 1) : id };
    if (clusterCache.size < 10_000) clusterCache.set(resourceId, cluster);
  }
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
