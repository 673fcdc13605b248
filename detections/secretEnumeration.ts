/**
 * secret-enumeration — one identity reading secrets wholesale within a window: listing or watching them
 * across all namespaces or in a sensitive namespace (kube-system), reading them in many namespaces,
 * reading many distinct secrets, or being refused on secrets again and again; optionally any list of a
 * namespace's secrets (Sigma's rule, off by default). Single reads that stand out are secret-access's.
 * Needs `kube-audit` (kube-audit-admin omits get and list).
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, listForProse, maxSeverity, printable, queryParams } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 30,
  // Control-plane identities that read secrets by design. Not `system:masters` as a group: `masterclient`
  // is the admin credential a person downloads.
  allowActors: [
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:apiserver",
    "aksService",
    "hcpService",
    "system:serviceaccount:kube-system:*",
  ],
}).extend({
  /** Distinct secrets read (get) by one identity within the window. Panther uses 15 in 30 min, Elastic 3 in 6. */
  distinctSecrets: z.number().int().min(2).default(10),
  /** Distinct namespaces whose secrets one identity read or listed within the window. */
  distinctNamespaces: z.number().int().min(2).default(4),
  /** Refused secret reads by one identity within the window (Panther: 20 in 15 min). */
  deniedReads: z.number().int().min(2).default(20),
  /** Listing (or watching) every secret of one of these namespaces is High, like a cluster-wide list (Elastic also names `default`). */
  sensitiveNamespaces: z.array(z.string()).default(["kube-system"]),
  /**
   * Report any list or watch of one namespace's secrets, at Low (Sigma's secrets_enumeration). Off by default:
   * `kubectl get secrets -n <ns>` is routine administration, and operators list and watch the secrets they manage.
   */
  reportNamespaceLists: z.boolean().default(false),
  /** Kubelets read the secrets of their own pods, one by one, through the node authorizer. */
  allowNodeSingleSecretReads: z.boolean().default(true),
  /** Secret names whose reads are routine (same pattern syntax as allowActors). */
  ignoreSecretNames: z.array(z.string()).default(["tunnelfront", "tunnelend", "kubernetes-dashboard-key-holder", "sh.helm.release.v1.*"]),
});

type Settings = z.infer<typeof settings>;
const READ_VERBS = ["get", "list", "watch"];

export const secretEnumeration = defineDetection<Settings>({
  id: "secret-enumeration",
  title: "Secret enumeration",
  description:
    "One identity read secrets wholesale: listed them across the cluster, read them in many namespaces or many at a time, or kept being refused. Secrets hold service-account tokens, registry credentials and application passwords.",
  mitre: { tactics: ["CredentialAccess", "Discovery"], techniques: ["T1552.007", "T1613"] },
  status: "stable",
  severityLogic:
    "High for a list or watch of secrets across all namespaces or of a `sensitiveNamespaces` namespace, or reads in `distinctNamespaces` namespaces; Medium for `distinctSecrets` distinct secrets read or `deniedReads` refusals; Low for any other list of a namespace's secrets when `reportNamespaceLists` is on; the highest condition that held wins.",
  runbook: [
    "Confirm who the actor is (Actor, SourceIps, UserAgents) and whether a controller or backup tool reads secrets this way by design; if so, add it to allowActors.",
    "Otherwise treat every secret in Evidence.secrets / Evidence.namespaces as exposed: rotate them, starting with service-account tokens and registry credentials.",
    "Find how the identity got `list secrets`: `kubectl auth can-i --list --as <actor>` and the rbac-binding-change incidents before this one.",
  ],
  catalogueRows: [15, 16, 17, 22],
  settings,
  select: { resources: ["secrets"], verbs: READ_VERBS },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref) return undefined;
    const key = [event.user.username];
    if (!isAllowed(event)) return { key, items: { denied: event.auditId }, evidence: { denied: describe(event.verb, ref.namespace, ref.name) } };
    const singleObject = ref.name !== "" || queryParams(event.requestUri, "fieldSelector").some((f) => f.startsWith("metadata.name="));
    if (s.allowNodeSingleSecretReads && event.actorType === "node" && singleObject) return undefined;
    if (ref.name && matcherFor(s.ignoreSecretNames)(ref.name)) return undefined;
    if (ref.namespace === "") {
      // A list or watch without a namespace returns every secret of the cluster.
      return ref.name ? undefined : { key, items: { clusterWide: event.auditId }, evidence: { clusterWide: `${event.verb} secrets in all namespaces` } };
    }
    const wholeNamespace = !singleObject && event.verb !== "get";
    return {
      key,
      items: {
        namespace: ref.namespace,
        secret: event.verb === "get" && ref.name ? `${ref.namespace}/${ref.name}` : undefined,
        namespaceList: wholeNamespace ? ref.namespace : undefined,
        sensitiveList: wholeNamespace && s.sensitiveNamespaces.includes(ref.namespace) ? ref.namespace : undefined,
      },
      evidence: { read: describe(event.verb, ref.namespace, ref.name) },
    };
  },

  evaluate(state, s) {
    const actor = actorName(state.actor);
    const conditions: { severity: Severity; events: number; text: string }[] = [];
    const clusterWide = state.count("clusterWide");
    const namespaces = state.count("namespace");
    const secrets = state.count("secret");
    const denied = state.count("denied");
    if (clusterWide > 0)
      conditions.push({ severity: "High", events: 1, text: `listed secrets in all namespaces${clusterWide > 1 ? ` ${clusterWide} times` : ""}` });
    const sensitive = state.itemsOf("sensitiveList");
    if (sensitive.length) conditions.push({ severity: "High", events: 1, text: `listed every secret of ${listForProse(sensitive)}` });
    if (namespaces >= s.distinctNamespaces)
      conditions.push({ severity: "High", events: s.distinctNamespaces, text: `read secrets in ${namespaces} namespaces` });
    if (secrets >= s.distinctSecrets) conditions.push({ severity: "Medium", events: s.distinctSecrets, text: `read ${secrets} distinct secrets` });
    if (denied >= s.deniedReads) conditions.push({ severity: "Medium", events: s.deniedReads, text: `was refused ${denied} secret reads` });
    const listed = state.itemsOf("namespaceList").filter((namespace) => !sensitive.includes(namespace));
    if (s.reportNamespaceLists && listed.length) conditions.push({ severity: "Low", events: 1, text: `listed the secrets of ${listForProse(listed)}` });
    if (conditions.length === 0) return undefined;
    const severity = conditions.map((c) => c.severity).reduce(maxSeverity);
    const summary = listForProse(
      conditions.map((c) => c.text),
      4,
    );
    return {
      severity,
      title: `${actor} ${summary}`,
      description: `Within ${state.windowMs / 60_000} minutes ${actor} ${summary} (${state.eventCount} audit event(s)). Namespaces: ${listForProse(state.itemsOf("namespace"), 8) || "all"}. Rotate any secret this identity should not have read, and check how it got the permission.`,
      evidence: {
        conditions: conditions.map((c) => c.text),
        clusterWideReads: clusterWide,
        sensitiveNamespaceLists: sensitive,
        namespaces: state.itemsOf("namespace", 50),
        secrets: state.itemsOf("secret", 50),
        distinctSecrets: secrets,
        deniedReads: denied,
        reads: state.evidenceOf("read", 20),
        refused: state.evidenceOf("denied", 20),
      },
      qualifyingEvents: Math.min(...conditions.map((c) => c.events)),
    };
  },
});

function describe(verb: string, namespace: string, name: string): string {
  return `${verb} secrets${namespace ? ` in ${namespace}` : " in all namespaces"}${name ? ` ${printable(name, 253)}` : ""}`;
}
