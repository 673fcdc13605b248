/**
 * Secret values never leave the process. Normalized events drop the bodies of requests that carry
 * them, and raw excerpts kept for quarantine are cut before the first field that may hold one.
 */

const SENSITIVE_RESOURCES = new Set(["secrets", "tokenreviews", "tokenrequests"]);
const SENSITIVE_SUBRESOURCES = new Set(["token"]);
const SENSITIVE_KINDS = new Set(["Secret", "SecretList", "TokenReview", "TokenRequest"]);

/** Whether request and response bodies of this request may carry credentials and must be dropped. */
export function carriesCredentials(resource: string, subresource: string): boolean {
  return SENSITIVE_RESOURCES.has(resource) || SENSITIVE_SUBRESOURCES.has(subresource);
}

/**
 * Drops a body that is itself a Secret or token object, whatever resource the request named, and any
 * list body (`items[]`) that holds one anywhere inside (a generic List, a custom resource list that
 * embeds Secret manifests). Other bodies are passed through untouched: walking every pod spec would cost
 * the hot path for a case that cannot occur there.
 */
export function redactSensitiveObject(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isSensitive(value)) return undefined;
  const items = (value as { items?: unknown }).items;
  return Array.isArray(items) && holdsSensitive(items, 0) ? undefined : value;
}

function isSensitive(value: object): boolean {
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === "string" && SENSITIVE_KINDS.has(kind);
}

const MAX_DEPTH = 64;

function holdsSensitive(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (depth > MAX_DEPTH) return true; // too deep to be sure: treat as sensitive and drop
  if (!Array.isArray(value) && isSensitive(value)) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (holdsSensitive(child, depth + 1)) return true;
  }
  return false;
}

const EXCERPT_LENGTH = 1024;
// Field names after which a value could be secret material; JSON-in-JSON escapes the quotes.
const SENSITIVE_FIELD = /\\*"(?:data|stringData|token|password|last-applied-configuration|requestObject|responseObject)\\*"/i;

export function redactExcerpt(text: string): string {
  const head = text.slice(0, EXCERPT_LENGTH);
  const hit = SENSITIVE_FIELD.exec(head);
  if (hit) return `${head.slice(0, hit.index)}…[redacted]`;
  return text.length > EXCERPT_LENGTH ? `${head}…` : head;
}
