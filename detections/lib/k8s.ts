/** Small Kubernetes helpers the detections share. Pure functions of their arguments. */
import type { Severity } from "../../pipeline/detect/detection.js";
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { Informational: 0, Low: 1, Medium: 2, High: 3 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

/** The path of a request URI, without its query. */
export function pathOf(requestUri: string): string {
  const q = requestUri.indexOf("?");
  return q < 0 ? requestUri : requestUri.slice(0, q);
}

/** All values of one query parameter, URL-decoded (`+` is a space); malformed escapes are kept as they are. */
export function queryParams(requestUri: string, name: string): string[] {
  const q = requestUri.indexOf("?");
  if (q < 0) return [];
  const out: string[] = [];
  const prefix = `${name}=`;
  for (const pair of requestUri.slice(q + 1).split("&")) {
    if (pair.startsWith(prefix)) out.push(decodeComponent(pair.slice(prefix.length)));
  }
  return out;
}

function decodeComponent(text: string): string {
  const spaced = text.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** A printable form of user-controlled text: control characters escaped, length bounded. */
export function printable(text: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point.
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** How titles name an actor: printable, and never an empty string (events with no user carry none). */
export function actorName(username: string): string {
  return username === "" ? "a client with no username" : printable(username);
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectName(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref) return "";
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

/** Reads `obj.a.b.c` from unknown JSON without trusting its shape. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * The object's name: the reference, else the name in the request or response body, else the
 * `generateName` prefix with `*` (a create whose response was not logged names no object yet).
 */
export function objectNameOf(event: AuditEvent): string {
  const fromRef = event.objectRef?.name ?? "";
  if (fromRef) return fromRef;
  const named = asString(field(event.responseObject, "metadata", "name")) || asString(field(event.requestObject, "metadata", "name"));
  if (named) return named;
  const prefix = asString(field(event.requestObject, "metadata", "generateName"));
  return prefix ? `${prefix}*` : "";
}

/** Joins a list for prose: "a, b and 3 more". */
export function listForProse(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** Paths every cluster serves to anonymous clients (health, version, OIDC discovery); `*` matches any run of characters. */
export const ANONYMOUS_PUBLIC_PATHS: readonly string[] = [
  "/healthz",
  "/healthz/*",
  "/livez",
  "/livez/*",
  "/readyz",
  "/readyz/*",
  "/version",
  "/.well-known/openid-configuration",
  "/openid/v1/jwks",
];

/** Verbs that change objects. */
export const WRITE_VERBS: readonly string[] = ["create", "update", "patch", "delete", "deletecollection"];

const PAST_TENSE: Readonly<Record<string, string>> = { create: "created", update: "updated", patch: "patched", delete: "deleted", deletecollection: "deleted" };

/** Past tense of a write verb, for titles (`created`); other verbs as they are. */
export function pastTense(verb: string): string {
  return PAST_TENSE[verb] ?? verb;
}
