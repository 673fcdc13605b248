/**
 * service-account-created — a ServiceAccount created in a system namespace (kube-system, kube-public),
 * where one can hide beside the controllers and be bound to their roles; or, optionally, created
 * anywhere by a person rather than by a deployment pipeline or operator. A service account is an
 * identity whose tokens can be minted and kept.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asString, field, listForProse, printable } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  // The control plane creates `default` and the controllers' accounts; AKS installs its add-ons.
  allowActors: [...AKS_PLATFORM_IDENTITIES, "system:apiserver", "system:kube-controller-manager", "system:serviceaccount:kube-system:*"],
}).extend({
  /** Namespaces where any new service account is Medium. */
  systemNamespaces: z.array(z.string()).default(["kube-system", "kube-public"]),
  /** Also report service accounts people (not service accounts or the control plane) create in other namespaces, as Low. */
  reportUserCreates: z.boolean().default(true),
  /** Service-account names that are expected (Falco's known_sa_list and AKS's add-ons); `*` patterns. */
  knownServiceAccounts: z.array(z.string()).default([
    "default",
    // The controller manager's own accounts (Falco's known_sa_list, current names).
    "attachdetach-controller",
    "bootstrap-signer",
    "certificate-controller",
    "clusterrole-aggregation-controller",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "disruption-controller",
    "endpoint-controller",
    "endpointslice-controller",
    "endpointslicemirroring-controller",
    "ephemeral-volume-controller",
    "expand-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "legacy-service-account-token-cleaner",
    "namespace-controller",
    "node-controller",
    "persistent-volume-binder",
    "pod-garbage-collector",
    "pv-protection-controller",
    "pvc-protection-controller",
    "replicaset-controller",
    "replication-controller",
    "resourcequota-controller",
    "root-ca-cert-publisher",
    "service-account-controller",
    "service-controller",
    "statefulset-controller",
    "token-cleaner",
    "ttl-after-finished-controller",
    "ttl-controller",
    // AKS add-ons.
    "coredns",
    "coredns-autoscaler",
    "kube-proxy",
    "metrics-server",
    "konnectivity-agent",
    "cloud-node-manager",
    "azure-cns",
    "azure-ip-masq-agent",
    "csi-azuredisk-*",
    "csi-azurefile-*",
    "csi-blob-*",
    "ama-logs*",
    "ama-metrics*",
    "azure-policy*",
    "azure-wi-webhook-*",
    "keda-operator*",
    "node-problem-detector",
  ]),
});

type Settings = z.infer<typeof settings>;

export const serviceAccountCreated = defineDetection<Settings>({
  id: "service-account-created",
  title: "Service account created in a system namespace or by a person",
  description:
    "A ServiceAccount was created in kube-system or kube-public, or by a person in any namespace. Attackers create service accounts to keep access: the account can be bound to a role and its tokens minted and kept, and one in kube-system blends in with the controllers.",
  mitre: { tactics: ["Persistence", "CredentialAccess"], techniques: ["T1136", "T1528"] },
  status: "stable",
  severityLogic:
    "Medium for a service account created in a `systemNamespaces` namespace; Low for one a person creates elsewhere (`reportUserCreates`); names in `knownServiceAccounts` are not reported.",
  runbook: [
    "Check who created it and why: `kubectl get sa <name> -n <ns> -o yaml` (labels, annotations, owner).",
    "Look for bindings and tokens for it: `kubectl get rolebindings,clusterrolebindings -A -o wide | grep <name>`, and credential-minting incidents naming it.",
    "If nobody expected it, delete it (`kubectl delete sa <name> -n <ns>`): its tokens stop working with it.",
  ],
  catalogueRows: [59],
  settings,
  select: { resources: ["serviceaccounts"], verbs: ["create"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const code = event.responseCode;
    if (code !== undefined && (code < 200 || code > 299)) return undefined;
    const name = ref.name || asString(field(event.requestObject, "metadata", "name")) || asString(field(event.responseObject, "metadata", "name"));
    if (name && matcherFor(s.knownServiceAccounts)(name)) return undefined;
    const system = s.systemNamespaces.includes(ref.namespace);
    const byUser = s.reportUserCreates && event.actorType === "user";
    if (!system && !byUser) return undefined;
    return {
      key: [event.user.username],
      items: { serviceAccount: `${ref.namespace}/${name || "?"}`, system: system ? event.auditId : undefined },
      evidence: { created: `ServiceAccount ${ref.namespace}/${printable(name || "(name not logged)")}` },
    };
  },

  evaluate(state) {
    const accounts = state.itemsOf("serviceAccount");
    if (accounts.length === 0) return undefined;
    const system = state.count("system") > 0;
    const severity: Severity = system ? "Medium" : "Low";
    const actor = actorName(state.actor);
    const what =
      accounts.length === 1
        ? `service account ${printable(accounts[0] ?? "")}`
        : `${accounts.length} service accounts (${listForProse(accounts.map((a) => printable(a)))})`;
    return {
      severity,
      mitre: system ? { tactics: ["Persistence", "CredentialAccess"], techniques: ["T1136", "T1528"] } : { tactics: ["Persistence"], techniques: ["T1136"] },
      title: `${actor} created ${what}`,
      description:
        `${actor} created ${what}.` +
        (system ? " A new account in a system namespace sits beside the controllers and is easy to overlook when bound to a powerful role." : "") +
        " Check for bindings that name it and tokens minted for it.",
      evidence: { serviceAccounts: accounts, systemNamespace: system, created: state.evidenceOf("created") },
      qualifyingEvents: 1,
    };
  },
});
