/**
 * object-lifecycle — the activity stream people care about: what a person created, changed or deleted,
 * one incident per actor per window listing the changes (Falco's "K8s … Created/Deleted" rules, Sigma's
 * secret and deployment rules). Secrets changed, namespaces created outside an allowlist and deployments
 * deleted are Low; other creates and deletes of the resources below are Informational. Controllers and
 * service accounts are not selected: a person's hand on the cluster is what this stream is for.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, objectNameOf, pastTense, printable, WRITE_VERBS } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const RESOURCES = [
  "deployments",
  "services",
  "configmaps",
  "namespaces",
  "serviceaccounts",
  "roles",
  "clusterroles",
  "rolebindings",
  "clusterrolebindings",
  "secrets",
] as const;

const settings = baseSettings({ windowMinutes: 60, allowActors: [...AKS_PLATFORM_IDENTITIES] }).extend({
  /** Namespaces people may create without a Low incident (`*` matches any run of characters); empty: every namespace created is reported Low. */
  allowedNamespaces: z.array(z.string()).default([]),
  /** Secret changes in these namespaces are Informational rather than Low (Falco's secret rules skip kube-system). */
  quietSecretNamespaces: z.array(z.string()).default(["kube-system"]),
  /** The resources whose creates and deletes make the stream (subset of the default). */
  resources: z.array(z.enum(RESOURCES)).default([...RESOURCES]),
});

type Settings = z.infer<typeof settings>;
type Variant = "secretChanged" | "namespaceCreated" | "deploymentDeleted" | "lifecycle";

const MODIFY = new Set(["update", "patch"]);
const CLUSTER_SCOPED = new Set(["namespaces", "clusterroles", "clusterrolebindings"]);
/** Objects that grant or hold access: deleting them after use clears an intrusion's persistence. */
const ACCESS_OBJECTS = new Set(["secrets", "configmaps", "serviceaccounts", "roles", "clusterroles", "rolebindings", "clusterrolebindings"]);
const SEVERITY: Readonly<Record<Variant, Severity>> = { secretChanged: "Low", namespaceCreated: "Low", deploymentDeleted: "Low", lifecycle: "Informational" };
const PROSE: Readonly<Record<Variant, string>> = {
  secretChanged: "secrets changed",
  namespaceCreated: "namespace created outside the allowlist",
  deploymentDeleted: "deployment deleted",
  lifecycle: "",
};
const DELETION: MitreMapping = { tactics: ["Impact"], techniques: ["T1485"] };
const CLEARED: MitreMapping = { tactics: ["DefenseEvasion"], techniques: ["T1070"] };
const ACCOUNT: MitreMapping = { tactics: ["Persistence"], techniques: ["T1136"] };

export const objectLifecycle = defineDetection<Settings>({
  id: "object-lifecycle",
  title: "Objects created, changed or deleted by a person",
  description:
    "The activity stream of a person's changes: deployments, services, configmaps, namespaces, service accounts, roles, bindings and secrets created or deleted, and secrets changed, one incident per person per window. Secrets changed, namespaces created outside an allowlist and deployments deleted stand out (Low); the rest is context for an investigation (Informational).",
  mitre: { tactics: ["Impact", "DefenseEvasion", "Persistence"], techniques: ["T1485", "T1070", "T1136"] },
  status: "stable",
  severityLogic:
    "Low when the window holds a secret created, changed or deleted outside `quietSecretNamespaces`, a namespace created outside `allowedNamespaces`, or a deployment deleted; Informational for other creates and deletes.",
  runbook: [
    "Read Evidence.changes: what the person created, changed or deleted, in order.",
    "Confirm the changes with the person or the change ticket; unexpected secret changes or deletions are worth a rollback (`kubectl rollout undo`, re-apply from Git).",
    "For deletions, look for what ran before it in the other incidents of the same actor: deleting what was used is how traces are cleared.",
  ],
  catalogueRows: [23, 64, 67, 68],
  settings,
  select: { actorTypes: ["user"], resources: [...RESOURCES], verbs: WRITE_VERBS },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event) || !(s.resources as readonly string[]).includes(ref.resource)) return undefined;
    if (MODIFY.has(event.verb) && ref.resource !== "secrets") return undefined;
    const variant = variantOf(event, s);
    const deleted = event.verb === "delete" || event.verb === "deletecollection";
    const techniques = [
      ...(deleted ? ["deletion"] : []),
      ...(deleted && ACCESS_OBJECTS.has(ref.resource) ? ["cleared"] : []),
      ...(event.verb === "create" && ref.resource === "serviceaccounts" ? ["account"] : []),
    ];
    const change = `${pastTense(event.verb)} ${describeObject(event)}`;
    return { key: [event.user.username], items: { variant, change, technique: techniques }, evidence: { change } };
  },

  evaluate(state) {
    const variants = state.itemsOf("variant") as Variant[];
    if (variants.length === 0) return undefined;
    const changes = state.itemsOf("change");
    const techniques = state.itemsOf("technique");
    const mappings = [
      ...(techniques.includes("deletion") ? [DELETION] : []),
      ...(techniques.includes("cleared") ? [CLEARED] : []),
      ...(techniques.includes("account") ? [ACCOUNT] : []),
    ];
    const notable = variants.filter((v) => v !== "lifecycle").map((v) => PROSE[v]);
    const actor = actorName(state.actor);
    return {
      severity: variants.some((v) => SEVERITY[v] === "Low") ? "Low" : "Informational",
      mitre: { tactics: [...new Set(mappings.flatMap((m) => m.tactics))], techniques: [...new Set(mappings.flatMap((m) => m.techniques))] },
      title: `${actor} ${listForProse(changes, 2)}${notable.length ? ` (${notable.join(", ")})` : ""}`,
      description: `${actor} made ${changes.length} change(s) within ${state.windowMs / 60_000} minutes: ${listForProse(changes, 10)}.`,
      evidence: { changes: state.evidenceOf("change", 50), variants, changeCount: changes.length },
      qualifyingEvents: 1,
    };
  },
});

function variantOf(event: AuditEvent, s: Settings): Variant {
  const ref = event.objectRef as NonNullable<AuditEvent["objectRef"]>;
  if (ref.resource === "secrets") return matcherFor(s.quietSecretNamespaces)(ref.namespace) ? "lifecycle" : "secretChanged";
  if (ref.resource === "namespaces" && event.verb === "create") return matcherFor(s.allowedNamespaces)(objectNameOf(event)) ? "lifecycle" : "namespaceCreated";
  if (ref.resource === "deployments" && (event.verb === "delete" || event.verb === "deletecollection")) return "deploymentDeleted";
  return "lifecycle";
}

/** `deployments/prod/web`, `namespaces/foo`, `all configmaps in prod` (deletecollection). */
function describeObject(event: AuditEvent): string {
  const ref = event.objectRef as NonNullable<AuditEvent["objectRef"]>;
  const namespace = CLUSTER_SCOPED.has(ref.resource) ? "" : ref.namespace;
  if (event.verb === "deletecollection") return `all ${ref.resource}${namespace ? ` in ${printable(namespace)}` : ""}`;
  return printable(`${ref.resource}/${namespace ? `${namespace}/` : ""}${objectNameOf(event) || "?"}`, 300);
}
