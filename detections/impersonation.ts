/**
 * impersonation — requests made as someone else (`kubectl --as`, `Impersonate-User`): impersonating a
 * privileged identity or group is cluster-admin by another name (High); any other impersonation by a
 * person is worth knowing (Low). Also the Azure Arc Cluster Connect proxy reading or changing secrets and
 * configmaps on behalf of the Entra identity it impersonates: the path a stolen service principal takes.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { AKS_PLATFORM_IDENTITIES, requestLabel } from "./lib/identity.js";
import { actorName, listForProse, printable } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 60,
  // Elastic's exclusions: AKS itself, its admin and node credentials (masterclient already is system:masters,
  // and admin-credential-use reports it), control-plane components and kube-system controllers.
  allowActors: [
    ...AKS_PLATFORM_IDENTITIES,
    "masterclient",
    "nodeclient",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:node:*",
    "system:serviceaccount:kube-system:*",
  ],
}).extend({
  /** Impersonating any of these users is High (Elastic's list; `*` matches any run of characters). */
  privilegedUsers: z
    .array(z.string())
    .default([
      "admin",
      "cluster-admin",
      "kubernetes-admin",
      "masterclient",
      "aksService",
      "system:admin",
      "system:anonymous",
      "system:apiserver",
      "system:kube-*",
      "system:volume-scheduler",
      "system:node:*",
      "system:serviceaccount:kube-system:*",
    ]),
  /** Impersonating membership of any of these groups is High. */
  privilegedGroups: z.array(z.string()).default(["cluster-admin", "system:cluster-admins", "system:masters"]),
  /** Report (Low) a person impersonating anyone else, such as an admin testing RBAC with `kubectl --as`. */
  reportOtherImpersonation: z.boolean().default(true),
  /** The Azure Arc Cluster Connect proxy: it impersonates the Entra identity that called through ARM. */
  arcProxyActors: z.array(z.string()).default(["system:serviceaccount:azure-arc:*"]),
  /** Namespaces where the Arc agents manage their own secrets and configmaps. */
  arcOwnNamespaces: z.array(z.string()).default(["azure-arc", "azure-arc-release", "kube-system"]),
});

type Settings = z.infer<typeof settings>;

const PRIVILEGED = "privileged";
const ARC = "arc-proxy";
const OTHER = "other";
const ARC_RESOURCES = new Set(["secrets", "configmaps"]);
const ARC_VERBS = new Set(["get", "list", "watch", "create", "update", "patch", "delete"]);

export const impersonation = defineDetection<Settings>({
  id: "impersonation",
  title: "Impersonation of a privileged identity",
  description:
    "Requests sent as another identity: impersonating a privileged user or group (system:masters, cluster-admin, control-plane components, nodes, kube-system service accounts) gives its holder their rights; a person impersonating anyone else is reported at Low. Also secrets and configmaps reached through the Azure Arc Cluster Connect proxy, which impersonates the Entra identity that called through ARM.",
  mitre: { tactics: ["PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Collection"], techniques: ["T1134", "T1552.007", "T1530"] },
  status: "experimental",
  severityLogic:
    "High when an allowed request impersonated a `privilegedUsers` user or a `privilegedGroups` group; Medium for secret or configmap access through the Arc proxy outside its own namespaces; Low for a person impersonating anyone else (`reportOtherImpersonation`).",
  runbook: [
    "Read Evidence.impersonated and Evidence.requests: who was impersonated, by whom, to do what.",
    "Find what grants the impersonate verb: `kubectl get clusterroles -o json | jq '.items[] | select(any(.rules[]?; .verbs | index(\"impersonate\")))|.metadata.name'`, then the bindings to those roles.",
    "If the impersonator should not hold it, remove the binding and rotate its credential; for the Arc proxy, look up the Entra object id (Evidence.impersonated) and its sign-ins, and revoke it if unknown.",
  ],
  catalogueRows: [11, 27],
  settings,
  select: { impersonated: true },

  fold(event, s) {
    const target = event.impersonatedUser;
    if (!target || !isAllowed(event)) return undefined;
    const privileged = matcherFor(s.privilegedUsers)(target.username) || target.groups.some((g) => s.privilegedGroups.includes(g));
    const variant = privileged ? PRIVILEGED : isArcSecretAccess(event, s) ? ARC : event.actorType === "user" && s.reportOtherImpersonation ? OTHER : undefined;
    if (variant === undefined) return undefined;
    return {
      key: [variant, event.user.username, target.username],
      evidence: {
        request: requestLabel(event),
        impersonatedGroup: target.groups.filter((g) => g !== "").map((g) => printable(g, 120)),
      },
    };
  },

  evaluate(state) {
    const [variant, , impersonatedName = ""] = state.key;
    const actor = actorName(state.actor);
    const target = printable(impersonatedName) || "(groups only)";
    const groups = state.evidenceOf("impersonatedGroup");
    const requests = state.evidenceOf("request", 20);
    const severity: Severity = variant === PRIVILEGED ? "High" : variant === ARC ? "Medium" : "Low";
    const mitre: MitreMapping =
      variant === ARC
        ? { tactics: ["CredentialAccess", "Collection"], techniques: ["T1552.007", "T1530"] }
        : { tactics: ["PrivilegeEscalation", "DefenseEvasion"], techniques: ["T1134"] };
    const as = `${target}${groups.length ? ` (groups ${listForProse(groups, 3)})` : ""}`;
    const did = listForProse(requests, 2);
    return {
      severity,
      mitre,
      title:
        variant === ARC
          ? `Arc proxy ${actor} acting for ${target}: ${did}`
          : `${actor} impersonated ${variant === PRIVILEGED ? "privileged identity " : ""}${as}: ${did}`,
      description:
        variant === ARC
          ? `${actor}, the Azure Arc Cluster Connect proxy, made ${state.eventCount} request(s) on secrets or configmaps on behalf of ${as}: ${listForProse(requests, 8)}. Whoever holds that Entra identity reached them through ARM, not through the API server directly.`
          : `${actor} made ${state.eventCount} request(s) as ${as}: ${listForProse(requests, 8)}.` +
            (variant === PRIVILEGED ? " The impersonated identity is privileged, so the impersonator held its rights." : ""),
      evidence: { variant, impersonated: impersonatedName, impersonatedGroups: groups, requests },
      qualifyingEvents: 1,
    };
  },
});

/** Elastic's Arc proxy rule: secrets or configmaps outside the Arc agents' namespaces, Helm release secrets aside. */
function isArcSecretAccess(event: AuditEvent, s: Settings): boolean {
  const ref = event.objectRef;
  if (!ref || !ARC_RESOURCES.has(ref.resource) || ref.subresource || !ARC_VERBS.has(event.verb)) return false;
  if (!matcherFor(s.arcProxyActors)(event.user.username)) return false;
  if (s.arcOwnNamespaces.includes(ref.namespace)) return false;
  return !ref.name.startsWith("sh.helm.release.v1.");
}
