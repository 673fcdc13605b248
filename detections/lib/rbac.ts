/**
 * RBAC reading shared by the detections about roles, bindings and grants: what a Role's rules allow
 * (in three tiers: powerful, sensitive, write), where a request carries rules (full bodies or JSON
 * patches), a binding's roleRef and subjects, and the keys objects are remembered under. Pure functions
 * over unknown JSON.
 */
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { asArray, asString, field, WRITE_VERBS } from "./k8s.js";

export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const ROLE_RESOURCES: readonly string[] = ["roles", "clusterroles"];
export const BINDING_RESOURCES: readonly string[] = ["rolebindings", "clusterrolebindings"];
export const RBAC_RESOURCES: readonly string[] = [...ROLE_RESOURCES, ...BINDING_RESOURCES];
export { WRITE_VERBS };

/**
 * powerful: the role can grant itself anything (wildcards, escalate, bind, impersonate);
 * sensitive: it reaches credentials, code execution or RBAC (secrets, exec, tokens, nodes/proxy, RBAC writes);
 * write: it changes other objects.
 */
export type RuleTier = "powerful" | "sensitive" | "write";

export interface RuleFinding {
  readonly reason: string;
  readonly tier: RuleTier;
}

const ESCALATING_VERBS = ["escalate", "bind", "impersonate"];
const READ_VERBS = ["get", "list", "watch"];
const WRITES = new Set(WRITE_VERBS);

/** Sensitive grants: a resource, the verbs that make it sensitive (any verb when empty), its API group. */
const SENSITIVE: ReadonlyArray<{ reason: string; resource: string; verbs: readonly string[]; group: string }> = [
  { reason: "read secrets", resource: "secrets", verbs: READ_VERBS, group: "" },
  { reason: "pods/exec", resource: "pods/exec", verbs: [], group: "" },
  { reason: "pods/attach", resource: "pods/attach", verbs: [], group: "" },
  { reason: "pods/ephemeralcontainers", resource: "pods/ephemeralcontainers", verbs: ["update", "patch"], group: "" },
  { reason: "serviceaccounts/token", resource: "serviceaccounts/token", verbs: ["create"], group: "" },
  { reason: "nodes/proxy", resource: "nodes/proxy", verbs: [], group: "" },
  { reason: "write daemonsets", resource: "daemonsets", verbs: WRITE_VERBS, group: "apps" },
  ...RBAC_RESOURCES.map((resource) => ({ reason: "write rbac", resource, verbs: WRITE_VERBS, group: RBAC_GROUP })),
];

/** What a list of PolicyRules allows that matters, most serious first, each reason once. */
export function analyzeRules(rules: unknown): RuleFinding[] {
  const found = new Map<string, RuleTier>();
  const add = (reason: string, tier: RuleTier) => {
    if (!found.has(reason)) found.set(reason, tier);
  };
  for (const rule of asArray(rules)) {
    const verbs = strings(field(rule, "verbs"));
    const resources = strings(field(rule, "resources"));
    const groups = field(rule, "apiGroups") === undefined ? undefined : strings(field(rule, "apiGroups"));
    const nonResource = strings(field(rule, "nonResourceURLs"));
    for (const verb of verbs) {
      if (verb === "*") add("verb *", "powerful");
      else if (ESCALATING_VERBS.includes(verb)) add(`verb ${verb}`, "powerful");
    }
    if (resources.includes("*")) add("resource *", "powerful");
    const allVerbs = verbs.includes("*");
    for (const grant of SENSITIVE) {
      if (groups && !groups.includes("*") && !groups.includes(grant.group)) continue;
      if (!resources.some((r) => coversResource(r, grant.resource))) continue;
      if (allVerbs || grant.verbs.length === 0 || verbs.some((v) => grant.verbs.includes(v))) add(grant.reason, "sensitive");
    }
    if (allVerbs || verbs.some((v) => WRITES.has(v))) {
      for (const resource of resources) if (resource !== "*") add(`write ${resource}`, "write");
      if (nonResource.length) add("write non-resource URLs", "write");
    }
  }
  const order: Record<RuleTier, number> = { powerful: 0, sensitive: 1, write: 2 };
  return [...found]
    .map(([reason, tier]) => ({ reason, tier }))
    .sort((a, b) => order[a.tier] - order[b.tier] || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}

/** The reasons of one tier. */
export function reasonsOf(findings: readonly RuleFinding[], tier: RuleTier): string[] {
  return findings.filter((f) => f.tier === tier).map((f) => f.reason);
}

/** `pods/*` covers `pods/exec`; `*` is reported as a wildcard, not as each thing it covers. */
function coversResource(pattern: string, resource: string): boolean {
  if (pattern === resource) return true;
  const slash = resource.indexOf("/");
  return slash > 0 && pattern === `${resource.slice(0, slash)}/*`;
}

function strings(value: unknown): string[] {
  return asArray(value).map(asString);
}

/**
 * The rules a role write leaves in place, and where they were read: the response (the role as stored,
 * so a patch is seen whole), else the request body, else the rules a JSON patch adds. Undefined when
 * the event carries none (Metadata level, a delete).
 */
export function rulesOf(event: AuditEvent): { rules: readonly unknown[]; from: "response" | "request" | "patch" } | undefined {
  const response = field(event.responseObject, "rules");
  if (Array.isArray(response) && field(event.responseObject, "kind") !== "Status") return { rules: response, from: "response" };
  const request = field(event.requestObject, "rules");
  if (Array.isArray(request)) return { rules: request, from: "request" };
  if (Array.isArray(event.requestObject)) {
    const rules = rulesFromJsonPatch(event.requestObject);
    if (rules.length) return { rules, from: "patch" };
  }
  return undefined;
}

/** Rules a JSON patch (RFC 6902) adds or replaces: whole rules, or single verbs and resources. */
function rulesFromJsonPatch(ops: readonly unknown[]): unknown[] {
  const rules: unknown[] = [];
  for (const op of ops) {
    const kind = asString(field(op, "op"));
    if (kind !== "add" && kind !== "replace") continue;
    const path = asString(field(op, "path"));
    const value = field(op, "value");
    if (/^\/rules(\/(\d+|-))?$/.test(path)) rules.push(...(Array.isArray(value) ? value : [value]));
    const part = /^\/rules\/(?:\d+|-)\/(verbs|resources|apiGroups|nonResourceURLs)(?:\/(?:\d+|-))?$/.exec(path)?.[1];
    if (part) rules.push({ [part]: Array.isArray(value) ? value : [value] });
  }
  return rules;
}

/** `admin`, `edit`, `view`…: the aggregated roles a role's `aggregate-to-*` labels feed its rules into. */
export function aggregationTargets(event: AuditEvent): string[] {
  const labels = field(event.responseObject, "metadata", "labels") ?? field(event.requestObject, "metadata", "labels");
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const match = /^rbac\.authorization\.k8s\.io\/aggregate-to-(.+)$/.exec(key);
    if (match?.[1] && value === "true") out.push(match[1]);
  }
  return out.sort();
}

export interface BindingFacts {
  readonly roleKind: string;
  readonly roleName: string;
  /** `User/alice`, `Group/devs`, `ServiceAccount/ns/name`. */
  readonly subjects: readonly string[];
}

/** A binding's roleRef and subjects from a body that has a roleRef. */
export function readBinding(body: unknown, namespace = ""): BindingFacts | undefined {
  const roleName = asString(field(body, "roleRef", "name"));
  if (!roleName) return undefined;
  return { roleKind: asString(field(body, "roleRef", "kind")) || "ClusterRole", roleName, subjects: subjectsOf(body, namespace) };
}

/** Subjects as `Kind/name` (`ServiceAccount/namespace/name`; a ServiceAccount without a namespace is in the binding's). */
export function subjectsOf(body: unknown, namespace = ""): string[] {
  return asArray(field(body, "subjects")).map((subject) => {
    const kind = asString(field(subject, "kind"));
    const name = asString(field(subject, "name"));
    return kind === "ServiceAccount" ? `ServiceAccount/${asString(field(subject, "namespace")) || namespace}/${name}` : `${kind}/${name}`;
  });
}

/** The username a ServiceAccount subject acts as; the name itself for users; undefined for groups. */
export function usernameOfSubject(subject: string): string | undefined {
  if (subject.startsWith("User/")) return subject.slice(5);
  if (subject.startsWith("ServiceAccount/")) {
    const [, namespace = "", name = ""] = subject.split("/");
    return `system:serviceaccount:${namespace}:${name}`;
  }
  return undefined;
}

/** `resource/namespace/name` of the event's object: how memory keys objects and Targets name them. */
export function objectKey(event: AuditEvent): string {
  const ref = event.objectRef;
  return ref ? `${ref.resource}/${ref.namespace}/${ref.name}` : "";
}

/** The memory key of the role a roleRef names: a Role lives in the binding's namespace, a ClusterRole nowhere. */
export function roleKey(kind: string, namespace: string, name: string): string {
  return kind === "Role" ? `roles/${namespace}/${name}` : `clusterroles//${name}`;
}

/** `ClusterRole`, `RoleBinding`…: the kind a resource name stands for, for prose. */
export function kindOf(resource: string): string {
  const kinds: Readonly<Record<string, string>> = {
    roles: "Role",
    clusterroles: "ClusterRole",
    rolebindings: "RoleBinding",
    clusterrolebindings: "ClusterRoleBinding",
  };
  return kinds[resource] ?? resource;
}
