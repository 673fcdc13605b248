/**
 * privilege-granted-then-used — a subject bound to a powerful role that then, within the window, does
 * the sensitive things the role allows: reads secrets, execs into pods, writes RBAC, creates workloads,
 * mints tokens, proxies to kubelets. A grant alone is routine and a sensitive action alone may be too;
 * a fresh grant used at once is an escalation in progress.
 *
 * Memory: each binding write teaches, per subject (users, groups, service accounts as
 * `system:serviceaccount:ns:name`), the grant (binding, role, scope, time, granter); deleting the binding
 * or dropping the subject leaves a tombstone in its place. An action recalls the grants of its username
 * and of each of its groups. Kubelets, the control plane and AKS's own identities neither grant nor use
 * here: their rights come from bootstrap policy and their reconciliation is not a grant.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Lesson, type RememberedFacts } from "../pipeline/detect/detection.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, printable } from "./lib/k8s.js";
import {
  analyzeRules,
  BINDING_RESOURCES,
  kindOf,
  objectKey,
  RBAC_RESOURCES,
  readBinding,
  roleKey,
  ROLE_RESOURCES,
  rulesOf,
  subjectsOf,
  usernameOfSubject,
  WRITE_VERBS,
} from "./lib/rbac.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:apiserver", "system:kube-controller-manager", "system:node:*"],
}).extend({
  /** Roles that are powerful by name, whatever their rules were seen to be. */
  powerfulRoles: z.array(z.string()).default(["cluster-admin", "admin", "edit", "system:aggregate-to-admin", "system:aggregate-to-edit"]),
});

type Settings = z.infer<typeof settings>;

const DAY = 24 * 60 * 60_000;
/** Grants and tombstones older than this are forgotten (the longest window a setting allows). */
const KEEP_MS = 7 * DAY;
const MAX_GRANTS = 20;
const QUIET_TYPES = new Set(["node", "system", "aks-managed"]);
const BINDINGS = new Set(BINDING_RESOURCES);
const ROLES = new Set(ROLE_RESOURCES);
const WORKLOADS = ["deployments", "daemonsets", "statefulsets", "replicasets", "jobs", "cronjobs"];

interface Grant {
  readonly binding: string;
  readonly role: string;
  /** The binding's namespace: the grant holds only there. Empty for a ClusterRoleBinding. */
  readonly namespace: string;
  readonly at: number;
  readonly by: string;
  readonly auditId: string;
  readonly subject: string;
  /** Rules seen on the role that make it powerful or sensitive. */
  readonly reasons: readonly string[];
}
interface Tombstone {
  readonly deletedAt: number;
}
type Entry = Grant | Tombstone;

export const privilegeGrantedThenUsed = defineDetection<Settings>({
  id: "privilege-granted-then-used",
  title: "Privilege granted, then used at once",
  description:
    "A user, group or service account was bound to a powerful role (cluster-admin, admin, edit, or a role holding wildcards, escalate/bind/impersonate, secrets, exec, tokens or nodes/proxy) and, within the window, used it: read secrets, exec'd into pods, wrote RBAC, created workloads, minted tokens or proxied to a kubelet. No peer ships this correlation.",
  mitre: { tactics: ["PrivilegeEscalation", "Persistence", "DefenseEvasion"], techniques: ["T1098.006", "T1078"] },
  status: "experimental",
  severityLogic:
    "High: a powerful grant (`powerfulRoles`, or a role remembered to hold powerful or sensitive rules) used for a sensitive action within `windowMinutes` of the grant.",
  runbook: [
    "Read Evidence.grants (who granted what, through which binding, when) and Evidence.uses (what the grantee did with it).",
    "If the grant was not planned, delete the binding and revoke the grantee's credentials (delete a service account's pods and minted tokens by deleting the account).",
    "Treat what the uses touched as compromised: rotate the secrets read, inspect the pods exec'd into and the workloads and bindings created.",
  ],
  catalogueRows: [],
  orderSensitive: true,
  settings,
  select: [
    { resources: RBAC_RESOURCES, verbs: WRITE_VERBS },
    { resources: ["secrets"], verbs: ["get", "list", "watch"] },
    { resources: ["pods/exec", "pods/attach", "pods/ephemeralcontainers", "nodes/proxy"] },
    { resources: ["serviceaccounts/token"], verbs: ["create"] },
    // Bare pods by people only: controllers (replicaset-controller) create pods all day, and a service
    // account's workload creates are seen through the workload resources.
    { resources: ["pods"], verbs: ["create"], actorTypes: ["user", "anonymous"] },
    { resources: WORKLOADS, verbs: ["create", "update", "patch"] },
  ],

  memory: {
    ttlDays: 7,
    keys(event) {
      const ref = event.objectRef;
      if (!ref || QUIET_TYPES.has(event.actorType)) return [];
      const keys = identityKeys(event);
      if (BINDINGS.has(ref.resource)) {
        keys.push(objectKey(event));
        const binding = readBinding(event.responseObject, ref.namespace) ?? readBinding(event.requestObject, ref.namespace);
        if (binding) {
          keys.push(roleKey(binding.roleKind, ref.namespace, binding.roleName));
          for (const subject of binding.subjects) keys.push(subjectKey(subject));
        }
        for (const subject of subjectsOf(event.requestObject, ref.namespace)) keys.push(subjectKey(subject));
      } else if (ROLES.has(ref.resource)) keys.push(objectKey(event));
      return [...new Set(keys)];
    },
    remember(event, recall) {
      const ref = event.objectRef;
      if (!ref || QUIET_TYPES.has(event.actorType) || !isAllowed(event) || !WRITE_VERBS.includes(event.verb)) return undefined;
      if (ROLES.has(ref.resource)) {
        const rules = event.verb.startsWith("delete") ? undefined : rulesOf(event);
        if (!rules) return undefined;
        const reasons = analyzeRules(rules.rules).filter((f) => f.tier !== "write");
        return { object: objectKey(event), facts: { reasons: reasons.map((f) => f.reason) } };
      }
      if (!BINDINGS.has(ref.resource)) return undefined;
      return bindingLessons(event, recall);
    },
  },

  fold(event, s, recall) {
    const ref = event.objectRef;
    if (!ref || QUIET_TYPES.has(event.actorType) || !isAllowed(event)) return undefined;
    const use = describeUse(event);
    if (!use) return undefined;
    const windowMs = s.windowMinutes * 60_000;
    const grants: Grant[] = [];
    for (const key of identityKeys(event)) {
      for (const entry of Object.values(entriesOf(recall(key)))) {
        if (!("binding" in entry) || entry.auditId === event.auditId) continue;
        if (entry.at > event.time || event.time - entry.at > windowMs) continue;
        if (entry.namespace && entry.namespace !== ref.namespace) continue;
        const roleName = entry.role.slice(entry.role.indexOf("/") + 1);
        if (!s.powerfulRoles.includes(roleName) && entry.reasons.length === 0) continue;
        grants.push(entry);
      }
    }
    if (grants.length === 0) return undefined;
    return {
      key: [event.user.username],
      items: { use: event.auditId, grant: grants.map((g) => g.binding) },
      evidence: {
        grant: grants.map(
          (g) =>
            `${g.role}${g.reasons.length ? ` (${g.reasons.join(", ")})` : ""} to ${printable(g.subject, 120)} via ${g.binding}, by ${printable(g.by)} at ${new Date(g.at).toISOString()}`,
        ),
        role: grants.map((g) => g.role),
        granter: grants.map((g) => printable(g.by)),
        use: `${new Date(event.time).toISOString()} ${use}`,
      },
    };
  },

  evaluate(state, s) {
    if (state.count("use") === 0 || state.count("grant") === 0) return undefined;
    const actor = actorName(state.actor);
    const roles = state.evidenceOf("role");
    const granters = state.evidenceOf("granter");
    const uses = state.evidenceOf("use");
    const brief = uses.map((u) => u.slice(u.indexOf(" ") + 1));
    return {
      severity: "High",
      title: `${actor} used ${listForProse(roles, 2)} within ${s.windowMinutes} minutes of being granted it by ${listForProse(granters, 2)}: ${listForProse(brief, 2)}`,
      description:
        `${actor} was granted ${listForProse(roles)} (${listForProse(state.evidenceOf("grant"), 2)}) and within ${s.windowMinutes} minutes used it ${state.count("use")} time(s): ${listForProse(brief, 5)}. ` +
        "A grant used at once for secrets, exec, RBAC or workloads is how a foothold becomes control of the cluster.",
      evidence: { grants: state.evidenceOf("grant"), uses, roles, granters },
      qualifyingEvents: 1,
    };
  },
});

/** Memory keys of who the event's actor is: its username and each of its groups. */
function identityKeys(event: AuditEvent): string[] {
  return [`user:${event.user.username}`, ...event.user.groups.filter((g) => g !== "").map((g) => `group:${g}`)];
}

/** `User/alice` → `user:alice`; `ServiceAccount/ns/sa` → `user:system:serviceaccount:ns:sa`; `Group/devs` → `group:devs`. */
function subjectKey(subject: string): string {
  const username = usernameOfSubject(subject);
  return username === undefined ? `group:${subject.slice(subject.indexOf("/") + 1)}` : `user:${username}`;
}

/** The grants a binding write adds, and the tombstones of the subjects it drops (all of them, for a delete). */
function bindingLessons(event: AuditEvent, recall: (object: string) => RememberedFacts | undefined): Lesson[] | undefined {
  const ref = event.objectRef;
  if (!ref) return undefined;
  const bindingKey = objectKey(event);
  const before = recall(bindingKey);
  const previous = Array.isArray(before?.subjects) ? (before.subjects as string[]) : [];
  const deleted = event.verb === "delete" || event.verb === "deletecollection";
  const binding = deleted
    ? undefined
    : (readBinding(event.responseObject, ref.namespace) ??
      readBinding(event.requestObject, ref.namespace) ??
      (typeof before?.roleName === "string"
        ? { roleKind: String(before.roleKind), roleName: before.roleName, subjects: subjectsOf(event.requestObject, ref.namespace) }
        : undefined));
  if (!deleted && !binding) return undefined;
  const subjects = binding?.subjects ?? [];
  const lessons: Lesson[] = [{ object: bindingKey, facts: binding ? { ...binding } : { deletedAt: event.time } }];
  const role = binding ? recall(roleKey(binding.roleKind, ref.namespace, binding.roleName)) : undefined;
  for (const subject of subjects) {
    const known = entriesOf(recall(subjectKey(subject)));
    const existing = known[bindingKey];
    // A subject the binding already held keeps its first grant time: reconciling a binding grants nothing new.
    if (existing && "binding" in existing && previous.includes(subject)) continue;
    const grant: Grant = {
      binding: bindingKey,
      role: `${binding?.roleKind}/${binding?.roleName}`,
      namespace: ref.resource === "rolebindings" ? ref.namespace : "",
      at: event.time,
      by: event.user.username,
      auditId: event.auditId,
      subject,
      reasons: Array.isArray(role?.reasons) ? (role.reasons as string[]) : [],
    };
    lessons.push({ object: subjectKey(subject), facts: { entries: prune({ ...known, [bindingKey]: grant }, event.time) } });
  }
  for (const subject of previous.filter((p) => !subjects.includes(p))) {
    const known = entriesOf(recall(subjectKey(subject)));
    lessons.push({ object: subjectKey(subject), facts: { entries: prune({ ...known, [bindingKey]: { deletedAt: event.time } }, event.time) } });
  }
  return lessons;
}

function entriesOf(facts: RememberedFacts | undefined): Record<string, Entry> {
  const entries = facts?.entries;
  return entries !== null && typeof entries === "object" && !Array.isArray(entries) ? (entries as Record<string, Entry>) : {};
}

/** Drops entries older than KEEP_MS and keeps the latest MAX_GRANTS. */
function prune(entries: Record<string, Entry>, now: number): Record<string, Entry> {
  const timeOf = (e: Entry) => ("binding" in e ? e.at : e.deletedAt);
  const kept = Object.entries(entries)
    .filter(([, e]) => now - timeOf(e) <= KEEP_MS)
    .sort(([ka, a], [kb, b]) => timeOf(b) - timeOf(a) || (ka < kb ? -1 : 1))
    .slice(0, MAX_GRANTS);
  return Object.fromEntries(kept);
}

/** What a sensitive action did, or undefined when the event is not one. */
function describeUse(event: AuditEvent): string | undefined {
  const ref = event.objectRef;
  if (!ref) return undefined;
  const resource = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
  const named = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  const object = ref.name ? ` ${printable(named, 200)}` : ref.namespace ? ` in ${ref.namespace}` : " in all namespaces";
  if (ref.resource === "secrets") return `${event.verb} secrets${object}`;
  if (RBAC_RESOURCES.includes(ref.resource)) return `${event.verb} ${kindOf(ref.resource)}${object}`;
  if (ref.subresource === "ephemeralcontainers" && event.verb === "get") return undefined;
  return `${event.verb} ${resource}${object}`;
}
