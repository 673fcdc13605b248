/**
 * escalation-sequence — one actor first reads secrets or makes a sensitive Role/ClusterRole change, then
 * within the window execs into a pod, changes a (Cluster)RoleBinding, or creates or changes a
 * Deployment, DaemonSet or CronJob: credentials or rights gathered, then put to work. Fires on the
 * follow-up, in order only (a follow-up before its precursor is nothing).
 *
 * Memory, keyed by actor, holds the precursors with their times, so the sequence is seen across window
 * and batch boundaries. Helm's release bookkeeping (it reads `sh.helm.release.v1.*` secrets on every
 * upgrade) and a service account reading its own namespace's secrets are not precursors.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type RememberedFacts, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, printable, queryParams } from "./lib/k8s.js";
import { analyzeRules, BINDING_RESOURCES, kindOf, ROLE_RESOURCES, rulesOf } from "./lib/rbac.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";
import { execCommandOf } from "./lib/execCommands.js";

const settings = baseSettings({
  windowMinutes: 30,
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:apiserver", "system:kube-controller-manager", "system:node:*", "system:serviceaccount:kube-system:*"],
}).extend({
  /** Secret names whose reads are bookkeeping, not collection (same pattern syntax as allowActors). */
  ignoreSecretNames: z.array(z.string()).default(["sh.helm.release.v1.*", "tunnelfront", "tunnelend", "kubernetes-dashboard-key-holder"]),
  /** Label selectors of secret lists that are bookkeeping: Helm lists its releases with `owner=helm`. */
  ignoreListSelectors: z.array(z.string()).default(["*owner=helm*"]),
  /** Also count role changes whose rules are neither powerful nor sensitive (Elastic's rule counts any). */
  anyRoleChange: z.boolean().default(false),
});

type Settings = z.infer<typeof settings>;

const DAY = 24 * 60 * 60_000;
const KEEP_MS = 7 * DAY;
const MAX_PRECURSORS = 20;
/** A repeat of a remembered precursor within this long is not written again. */
const REFRESH_MS = 60_000;
const QUIET_TYPES = new Set(["node", "system", "aks-managed"]);
const SECRET_READS = ["get", "list", "watch"];
const ROLE_WRITES = ["create", "update", "patch"];
const BINDING_WRITES = ["create", "update", "patch", "delete"];
const WORKLOADS: Readonly<Record<string, string>> = { deployments: "workload", daemonsets: "workload", cronjobs: "cronjob" };
const WORKLOAD_WRITES = ["create", "update", "patch"];

type PrecursorKind = "secrets" | "role";
type FollowUpKind = "exec" | "binding" | "workload" | "cronjob";

interface Precursor {
  readonly kind: PrecursorKind;
  readonly at: number;
  readonly what: string;
  readonly auditId: string;
  /** Role changes: the rule reasons that make the role powerful or sensitive. */
  readonly reasons: readonly string[];
  readonly powerful: boolean;
  /** Secret reads: the secret's name and the list's label selector, matched against the settings at recall. */
  readonly secret?: string;
  readonly selector?: string;
}

const PRECURSOR_MITRE: Readonly<Record<PrecursorKind, { tactic: string; technique: string; text: string }>> = {
  secrets: { tactic: "CredentialAccess", technique: "T1552.007", text: "read secrets" },
  role: { tactic: "PrivilegeEscalation", technique: "T1098.006", text: "changed a role" },
};
const FOLLOW_UP_MITRE: Readonly<Record<FollowUpKind, { tactic: string; technique: string; text: string }>> = {
  exec: { tactic: "Execution", technique: "T1609", text: "exec'd into a pod" },
  binding: { tactic: "Persistence", technique: "T1098.006", text: "changed a role binding" },
  workload: { tactic: "Execution", technique: "T1610", text: "deployed a workload" },
  cronjob: { tactic: "Persistence", technique: "T1053.007", text: "scheduled a CronJob" },
};

export const escalationSequence = defineDetection<Settings>({
  id: "escalation-sequence",
  title: "Secret read or sensitive role change, then exec, binding or workload change",
  description:
    "The same actor read secrets or made a sensitive Role/ClusterRole change and then, within the window, exec'd into a pod, changed a role binding, or created or changed a Deployment, DaemonSet or CronJob. Gathering credentials or rights and then putting them to work is the shape of an intrusion; no peer but Elastic (RBAC change then workload change) correlates it.",
  mitre: {
    tactics: ["CredentialAccess", "PrivilegeEscalation", "Persistence", "Execution"],
    techniques: ["T1552.007", "T1098.006", "T1609", "T1610", "T1053.007"],
  },
  status: "experimental",
  severityLogic:
    "High when the follow-up is a role-binding change or the precursor role change granted powerful rules (wildcards, escalate, bind, impersonate); Medium otherwise (secret read or sensitive role change followed by exec or a workload change).",
  runbook: [
    "Read Evidence.precursors and Evidence.followUps in order: what the actor gathered, then what it did with it.",
    "Check the follow-up: the pod exec'd into (pod-exec incidents carry the command), the binding's subjects, the workload's image and service account.",
    "If it is not a known admin task, revoke the actor's access, rotate the secrets it read, and undo the follow-up change.",
  ],
  catalogueRows: [53],
  orderSensitive: true,
  settings,
  select: [
    { resources: ["secrets"], verbs: SECRET_READS },
    { resources: ROLE_RESOURCES, verbs: ROLE_WRITES },
    { resources: BINDING_RESOURCES, verbs: BINDING_WRITES },
    { resources: ["pods/exec", "pods/attach"] },
    { resources: Object.keys(WORKLOADS), verbs: WORKLOAD_WRITES },
  ],

  memory: {
    ttlDays: 7,
    keys(event) {
      return QUIET_TYPES.has(event.actorType) ? [] : [actorKey(event)];
    },
    remember(event, recall) {
      if (QUIET_TYPES.has(event.actorType) || !isAllowed(event)) return undefined;
      const precursor = precursorOf(event);
      if (!precursor) return undefined;
      const known = precursorsOf(recall(actorKey(event)));
      // A poller reading secrets every few seconds need not rewrite memory each time: one secret read per
      // actor per REFRESH_MS is enough to start the window (the evidence then names the first of them).
      const repeat = (p: Precursor) => (precursor.kind === "secrets" ? p.kind === "secrets" : p.what === precursor.what);
      if (known.some((p) => repeat(p) && precursor.at - p.at >= 0 && precursor.at - p.at < REFRESH_MS)) return undefined;
      const kept = [...known, precursor]
        .filter((p) => event.time - p.at <= KEEP_MS)
        .sort((a, b) => b.at - a.at || (a.auditId < b.auditId ? -1 : 1))
        .slice(0, MAX_PRECURSORS);
      return { object: actorKey(event), facts: { precursors: kept } };
    },
  },

  fold(event, s, recall) {
    if (QUIET_TYPES.has(event.actorType) || !isAllowed(event)) return undefined;
    const follow = followUpOf(event);
    if (!follow) return undefined;
    const windowMs = s.windowMinutes * 60_000;
    const ignoreName = matcherFor(s.ignoreSecretNames);
    const ignoreSelector = matcherFor(s.ignoreListSelectors);
    const precursors = precursorsOf(recall(actorKey(event))).filter(
      (p) =>
        p.at <= event.time &&
        event.time - p.at <= windowMs &&
        p.auditId !== event.auditId &&
        (p.kind !== "role" || s.anyRoleChange || p.reasons.length > 0) &&
        !(p.secret && ignoreName(p.secret)) &&
        !(p.selector && ignoreSelector(p.selector)),
    );
    if (precursors.length === 0) return undefined;
    const high = follow.kind === "binding" || precursors.some((p) => p.powerful);
    return {
      key: [event.user.username],
      items: {
        precursorKind: precursors.map((p) => p.kind),
        followUpKind: follow.kind,
        followUp: event.auditId,
        high: high ? event.auditId : undefined,
      },
      evidence: {
        precursor: precursors.map((p) => `${new Date(p.at).toISOString()} ${p.what}${p.reasons.length ? ` (${p.reasons.join(", ")})` : ""}`),
        followUp: `${new Date(event.time).toISOString()} ${follow.what}`,
      },
    };
  },

  evaluate(state) {
    if (state.count("followUp") === 0) return undefined;
    const precursorKinds = (["secrets", "role"] as const).filter((k) => state.itemsOf("precursorKind").includes(k));
    const followKinds = (["exec", "binding", "workload", "cronjob"] as const).filter((k) => state.itemsOf("followUpKind").includes(k));
    const severity: Severity = state.count("high") > 0 ? "High" : "Medium";
    const parts = [...precursorKinds.map((k) => PRECURSOR_MITRE[k]), ...followKinds.map((k) => FOLLOW_UP_MITRE[k])];
    const actor = actorName(state.actor);
    const precursors = state.evidenceOf("precursor");
    const followUps = state.evidenceOf("followUp");
    const strip = (line: string) => line.slice(line.indexOf(" ") + 1);
    const first = joinAnd(precursorKinds.map((k) => PRECURSOR_MITRE[k].text));
    const then = joinAnd(followKinds.map((k) => FOLLOW_UP_MITRE[k].text));
    return {
      severity,
      mitre: { tactics: [...new Set(parts.map((p) => p.tactic))], techniques: [...new Set(parts.map((p) => p.technique))] },
      title: `${actor} ${first}, then ${then}: ${printable(strip(precursors[0] ?? ""), 100)} → ${printable(strip(followUps[0] ?? ""), 100)}`,
      description: `${actor} ${first} (${listForProse(precursors.map(strip), 3)}) and then ${then} (${listForProse(followUps.map(strip), 3)}). Gathering credentials or rights and then using them within minutes is how intrusions move.`,
      evidence: { precursors, followUps, sequence: precursorKinds.flatMap((p) => followKinds.map((f) => `${p}→${f}`)) },
      qualifyingEvents: 1,
    };
  },
});

function actorKey(event: AuditEvent): string {
  return `actor:${event.user.username}`;
}

/** The precursor an event is: an allowed secret read (not a service account's own namespace), or a role write. */
function precursorOf(event: AuditEvent): Precursor | undefined {
  const ref = event.objectRef;
  if (!ref) return undefined;
  if (ref.resource === "secrets" && !ref.subresource && SECRET_READS.includes(event.verb)) {
    const own = event.actorType === "serviceaccount" && ref.namespace !== "" && event.user.username.startsWith(`system:serviceaccount:${ref.namespace}:`);
    if (own) return undefined;
    const selector = queryParams(event.requestUri, "labelSelector").join(",");
    const target = ref.name ? `${ref.namespace}/${ref.name}` : ref.namespace ? `in ${ref.namespace}` : "in all namespaces";
    return {
      kind: "secrets",
      at: event.time,
      what: `${event.verb} secrets ${printable(target, 200)}${selector ? ` [${printable(selector, 100)}]` : ""}`,
      auditId: event.auditId,
      reasons: [],
      powerful: false,
      secret: ref.name,
      selector,
    };
  }
  if (ROLE_RESOURCES.includes(ref.resource) && !ref.subresource && ROLE_WRITES.includes(event.verb)) {
    const rules = rulesOf(event);
    const findings = rules ? analyzeRules(rules.rules).filter((f) => f.tier !== "write") : [];
    return {
      kind: "role",
      at: event.time,
      what: `${event.verb} ${kindOf(ref.resource)} ${printable(ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name, 200)}`,
      auditId: event.auditId,
      reasons: findings.map((f) => f.reason),
      powerful: findings.some((f) => f.tier === "powerful"),
    };
  }
  return undefined;
}

function followUpOf(event: AuditEvent): { kind: FollowUpKind; what: string } | undefined {
  const ref = event.objectRef;
  if (!ref) return undefined;
  const named = printable(ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name, 200);
  if (ref.resource === "pods" && (ref.subresource === "exec" || ref.subresource === "attach")) {
    const command = execCommandOf(event);
    return { kind: "exec", what: `${ref.subresource} pod ${named}${command ? ` (${printable(command, 120)})` : ""}` };
  }
  if (ref.subresource) return undefined;
  if (BINDING_RESOURCES.includes(ref.resource) && BINDING_WRITES.includes(event.verb))
    return { kind: "binding", what: `${event.verb} ${kindOf(ref.resource)} ${named}` };
  const workload = WORKLOADS[ref.resource];
  if (workload && WORKLOAD_WRITES.includes(event.verb))
    return { kind: workload === "cronjob" ? "cronjob" : "workload", what: `${event.verb} ${ref.resource} ${named}` };
  return undefined;
}

function precursorsOf(facts: RememberedFacts | undefined): Precursor[] {
  return Array.isArray(facts?.precursors) ? (facts.precursors as Precursor[]) : [];
}

/** "a", "a and b", "a, b and c". */
function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
