/**
 * admin-credential-use — the cluster's static admin credential in use: on AKS `masterclient`, the
 * certificate `az aks get-credentials --admin` hands out (group system:masters, outside Entra ID and
 * Azure RBAC, and valid until the cluster certificates rotate); elsewhere `kubernetes-admin` and its
 * kin. One incident per credential and window lists what it did. Optionally, Falco's "disallowed user":
 * any person not in `allowedUsers`.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { requestLabel, resourceOf } from "./lib/identity.js";
import { actorName, listForProse, WRITE_VERBS } from "./lib/k8s.js";

const settings = baseSettings({ windowMinutes: 60 }).extend({
  /**
   * Usernames of static admin credentials (Falco's full_admin_k8s_users plus AKS's `masterclient`). AKS
   * names the kubeconfig entry `clusterAdmin_<group>_<cluster>`, but the certificate's name in the audit
   * log is `masterclient`.
   */
  adminUsers: z
    .array(z.string())
    .default(["masterclient", "kubernetes-admin", "kubernetes-admin@kubernetes", "kubernetes-admin@cluster.local", "admin", "system:admin"]),
  /** Any other person in these groups holds a static admin certificate (no directory user is put in system:masters). */
  adminGroups: z.array(z.string()).default(["system:masters"]),
  /** People allowed on the cluster (`*` matches any run of characters); any other person is reported. Empty: that variant is off. */
  allowedUsers: z.array(z.string()).default([]),
});

type Settings = z.infer<typeof settings>;

const ADMIN = "admin-credential";
const DISALLOWED = "disallowed-user";
/** Writes that make an admin session High: RBAC, secrets, tokens and certificates, and running code in pods. */
const SENSITIVE_WRITES = new Set([
  "roles",
  "clusterroles",
  "rolebindings",
  "clusterrolebindings",
  "secrets",
  "serviceaccounts/token",
  "certificatesigningrequests",
  "certificatesigningrequests/approval",
  "pods/ephemeralcontainers",
  "mutatingwebhookconfigurations",
  "validatingwebhookconfigurations",
]);
/** Running code in a pod or through the kubelet, whatever the verb (WebSocket exec is logged as `get`). */
const EXEC = new Set(["pods/exec", "pods/attach", "nodes/proxy"]);
const WRITES = new Set(WRITE_VERBS);

export const adminCredentialUse = defineDetection<Settings>({
  id: "admin-credential-use",
  title: "Static admin credential or disallowed user",
  description:
    "The cluster's static admin credential was used (AKS `masterclient`, from `az aks get-credentials --admin`; `kubernetes-admin` elsewhere): it belongs to system:masters, bypasses Entra ID and Azure RBAC, cannot be revoked without rotating the cluster certificates, and names no person. Optionally, any person not in `allowedUsers` using the cluster.",
  mitre: { tactics: ["InitialAccess", "Persistence", "PrivilegeEscalation"], techniques: ["T1078", "T1078.001"] },
  status: "stable",
  severityLogic:
    "High when the admin credential changed RBAC, secrets, tokens, certificates or webhooks, or ran code in a pod or through a node; Medium for any other use of it, and for a person not in `allowedUsers`.",
  runbook: [
    "Find who holds the admin kubeconfig: Azure activity log for `Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action` before FirstSeen.",
    "Review Evidence.actions; if nobody owns them, rotate the cluster certificates (`az aks rotate-certs`) to revoke the credential.",
    "Disable local accounts so the credential cannot be issued again: `az aks update --disable-local-accounts` (needs Entra ID integration).",
  ],
  catalogueRows: [10],
  settings,
  select: { actorTypes: ["user"] },

  fold(event, s) {
    const username = event.user.username;
    const admin = s.adminUsers.includes(username) || event.user.groups.some((g) => s.adminGroups.includes(g));
    let variant: string;
    if (admin) variant = ADMIN;
    else if (s.allowedUsers.length && username !== "" && !matcherFor(s.allowedUsers)(username)) variant = DISALLOWED;
    else return undefined;
    const action = requestLabel(event);
    const allowed = isAllowed(event);
    return {
      key: [variant, username],
      items: { sensitive: allowed && sensitive(event) ? action : undefined },
      evidence: { action: `${action}${allowed ? "" : ` → ${event.responseCode ?? "refused"}`}` },
    };
  },

  evaluate(state) {
    const [variant] = state.key;
    const actor = actorName(state.actor);
    const actions = state.evidenceOf("action", 30);
    const sensitiveActions = state.itemsOf("sensitive", 20);
    const admin = variant === ADMIN;
    const severity: Severity = admin && sensitiveActions.length ? "High" : "Medium";
    const mitre: MitreMapping = admin
      ? { tactics: ["InitialAccess", "Persistence", "PrivilegeEscalation"], techniques: ["T1078.001"] }
      : { tactics: ["InitialAccess"], techniques: ["T1078"] };
    const shown = sensitiveActions.length ? sensitiveActions : actions;
    return {
      severity,
      mitre,
      title: admin
        ? `Admin credential ${actor} used: ${listForProse(shown, 2)}${state.eventCount > 2 ? ` (${state.eventCount} requests)` : ""}`
        : `${actor}, not an allowed user, used the cluster: ${listForProse(shown, 2)}`,
      description: admin
        ? `The static admin credential ${actor} (system:masters) made ${state.eventCount} request(s), including ${listForProse(actions, 8)}.` +
          (sensitiveActions.length ? ` It changed sensitive objects or ran code: ${listForProse(sensitiveActions, 8)}.` : "") +
          " Whoever holds this kubeconfig is cluster-admin and is not named in the audit log."
        : `${actor} is not in allowedUsers and made ${state.eventCount} request(s): ${listForProse(actions, 8)}.`,
      evidence: { variant, actions, sensitiveActions, groups: state.contextOf("groups") },
      qualifyingEvents: 1,
    };
  },
});

function sensitive(event: AuditEvent): boolean {
  const resource = resourceOf(event);
  if (EXEC.has(resource)) return true;
  return WRITES.has(event.verb) && SENSITIVE_WRITES.has(resource);
}
