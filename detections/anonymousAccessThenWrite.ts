/**
 * anonymous-access-then-write — stateful: the API server allowed an anonymous request (beyond the public
 * paths) from a source, and within the window something was written: by an anonymous client, or by any
 * authenticated person or service account from that same source IP. That is an intruder who found the
 * door open and came back with credentials, or used what the open door gave them. No peer ships it.
 *
 * Allowed anonymous requests are remembered per source IP and per anonymous identity (last 20 each, for
 * 8 days); each later write looks up its own source (or, for an anonymous writer, its identity).
 *
 * Selection cost: a lookup is a state read, so not every write is selected. Selected: every anonymous
 * request (only allowed, non-public ones cost anything); writes by people, to anything; and writes by
 * service accounts to what an intruder with a stolen token escalates or persists with (SERVICE_ACCOUNT_WRITES:
 * exec and debug, tokens, secrets, RBAC, workload controllers, webhooks, CSRs).
 * Missed, by design: writes by node identities and system:* or AKS-managed identities from that source;
 * service-account writes to other resources (bare pods — controllers create pods all day —, services,
 * custom resources); writes by kube-system service accounts (the control plane's controllers, whose
 * requests come from the control plane: never looked up, whatever allowActors says); writes to leases and
 * events, access reviews, and the status, scale, eviction and binding subresources; reads (only writes
 * follow up); exec over WebSockets (verb get); and an allowed anonymous request on a path removed from the
 * default publicPaths (defaults are never remembered).
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Lesson, type RememberedFacts } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { ANONYMOUS_PUBLIC_PATHS, asArray, asString, field, listForProse, pastTense, pathOf, printable, WRITE_VERBS } from "./lib/k8s.js";

const CONTROL_PLANE_WRITERS = ["system:serviceaccount:kube-system:*"];
/** Resources whose writes by a service account are followed up (see the top comment for what is not). */
const SERVICE_ACCOUNT_WRITES = [
  "pods/exec",
  "pods/attach",
  "pods/ephemeralcontainers",
  "pods/portforward",
  "serviceaccounts",
  "serviceaccounts/token",
  "secrets",
  "roles",
  "clusterroles",
  "rolebindings",
  "clusterrolebindings",
  "deployments",
  "daemonsets",
  "statefulsets",
  "jobs",
  "cronjobs",
  "mutatingwebhookconfigurations",
  "validatingwebhookconfigurations",
  "certificatesigningrequests",
  "namespaces",
];

const settings = baseSettings({ windowMinutes: 60, allowActors: CONTROL_PLANE_WRITERS }).extend({
  /** Anonymous requests to these paths are no precursor (defaults are never remembered; you may add paths). */
  publicPaths: z.array(z.string()).default([...ANONYMOUS_PUBLIC_PATHS]),
});

type Settings = z.infer<typeof settings>;

interface Access {
  readonly t: number;
  readonly id: string;
  readonly ip: string;
  readonly path: string;
  readonly request: string;
}

const KEEP = 20;
const TTL_DAYS = 8;
const DAY = 24 * 60 * 60_000;
const WRITES = new Set(WRITE_VERBS);
const IGNORED_RESOURCES = new Set([
  "leases",
  "events",
  "tokenreviews",
  "subjectaccessreviews",
  "selfsubjectaccessreviews",
  "selfsubjectrulesreviews",
  "localsubjectaccessreviews",
]);
const IGNORED_SUBRESOURCES = new Set(["status", "scale", "eviction", "binding", "finalize"]);
const isPublic = matcherFor(ANONYMOUS_PUBLIC_PATHS);
const isControlPlane = matcherFor(CONTROL_PLANE_WRITERS);

export const anonymousAccessThenWrite = defineDetection<Settings>({
  id: "anonymous-access-then-write",
  title: "Anonymous access followed by a write from the same source",
  description:
    "The API server allowed an anonymous request beyond its public endpoints, and within the window an anonymous client, or an authenticated person or service account from the same source IP, created, changed or deleted something. An open door followed by a change is an intrusion in progress, not a misconfiguration alone.",
  mitre: { tactics: ["InitialAccess"], techniques: ["T1078.001", "T1190"] },
  status: "experimental",
  severityLogic: "High whenever a write follows an allowed anonymous request within the window.",
  runbook: [
    "Read Evidence.anonymousRequests (what the open door gave) and Evidence.writes (what was done after).",
    "Remove the grant to system:anonymous / system:unauthenticated (see the anonymous-access incident), then undo the writes and revoke the credentials of every actor that wrote from this source.",
    "Block the source IP (AKS authorized IP ranges) and hunt for it in the other incidents.",
  ],
  catalogueRows: [],
  orderSensitive: true,
  settings,
  select: [
    { actorTypes: ["anonymous"] },
    { verbs: WRITE_VERBS, actorTypes: ["user"] },
    { resources: SERVICE_ACCOUNT_WRITES, verbs: WRITE_VERBS, actorTypes: ["serviceaccount"] },
  ],

  memory: {
    ttlDays: TTL_DAYS,
    keys(event) {
      if (!isAllowed(event)) return [];
      if (event.actorType === "anonymous") return isPublic(pathOf(event.requestUri)) && !isWrite(event) ? [] : [ipKey(event), identityKey(event)];
      return isWrite(event) && !isControlPlane(event.user.username) ? [ipKey(event)] : [];
    },
    remember(event, recall) {
      const path = pathOf(event.requestUri);
      if (event.actorType !== "anonymous" || !isAllowed(event) || isPublic(path)) return undefined;
      const access: Access = { t: event.time, id: event.auditId, ip: event.sourceIps[0] ?? "", path, request: `${event.verb} ${printable(path, 200)}` };
      return [ipKey(event), identityKey(event)].map((object): Lesson => ({ object, facts: { accesses: merged(accessesOf(recall(object)), access) } }));
    },
  },

  fold(event, s, recall) {
    if (!isWrite(event) || !isAllowed(event)) return undefined;
    const remembered = accessesOf(recall(event.actorType === "anonymous" ? identityKey(event) : ipKey(event)));
    const windowMs = s.windowMinutes * 60_000;
    const precursors = remembered.filter(
      (a) => a.id !== event.auditId && a.t <= event.time && event.time - a.t <= windowMs && !matcherFor(s.publicPaths)(a.path),
    );
    if (precursors.length === 0) return undefined;
    const write = describeWrite(event);
    return {
      key: [event.sourceIps[0] ?? ""],
      items: { write, precursorSource: precursors.map((a) => a.ip) },
      evidence: {
        write,
        anonymousRequest: precursors.map((a) => `${a.request} from ${a.ip || "?"} at ${new Date(a.t).toISOString()}`),
      },
    };
  },

  evaluate(state) {
    const writes = state.itemsOf("write");
    if (writes.length === 0) return undefined;
    const [source = ""] = state.key;
    const sources = state.itemsOf("precursorSource");
    const anonymousRequests = state.evidenceOf("anonymousRequest", 20);
    const from = `from ${listForProse(sources.map((ip) => ip || "an unknown source"))}`;
    return {
      severity: "High",
      title: `After anonymous access ${from}: ${listForProse(writes, 2)}`,
      description: `The API server allowed anonymous requests ${from} (${listForProse(anonymousRequests, 3)}), and then ${listForProse(writes, 5)}${source ? ` from ${source}` : ""}. Someone who found the API open is changing the cluster.`,
      evidence: { sourceIp: source, anonymousSources: sources, anonymousRequests, writes: state.evidenceOf("write", 20) },
      qualifyingEvents: 1,
    };
  },
});

function isWrite(event: AuditEvent): boolean {
  const ref = event.objectRef;
  return WRITES.has(event.verb) && ref !== undefined && !IGNORED_RESOURCES.has(ref.resource) && !IGNORED_SUBRESOURCES.has(ref.subresource);
}

function ipKey(event: AuditEvent): string {
  return `ip:${event.sourceIps[0] ?? ""}`;
}

function identityKey(event: AuditEvent): string {
  return `anonymous:${event.user.username}`;
}

/** The remembered accesses plus this one, by time, without duplicates, the last KEEP of the last TTL_DAYS. */
function merged(known: readonly Access[], access: Access): Access[] {
  const byId = new Map(known.filter((a) => a.t > access.t - TTL_DAYS * DAY).map((a) => [a.id, a]));
  byId.set(access.id, access);
  return [...byId.values()].sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1)).slice(-KEEP);
}

function accessesOf(facts: RememberedFacts | undefined): Access[] {
  return asArray(facts?.accesses).map((a) => ({
    t: typeof field(a, "t") === "number" ? (field(a, "t") as number) : 0,
    id: asString(field(a, "id")),
    ip: asString(field(a, "ip")),
    path: asString(field(a, "path")),
    request: asString(field(a, "request")),
  }));
}

function describeWrite(event: AuditEvent): string {
  const ref = event.objectRef as NonNullable<AuditEvent["objectRef"]>;
  const resource = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
  const name = ref.name || asString(field(event.requestObject, "metadata", "name")) || "?";
  return printable(`${event.user.username} ${pastTense(event.verb)} ${resource} ${ref.namespace ? `${ref.namespace}/` : ""}${name}`, 300);
}
