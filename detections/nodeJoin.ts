/**
 * node-join — a Node object created (a node joining the cluster) under a name or by an identity AKS does
 * not use, whether the API server accepted it or refused it. AKS kubelets register themselves as
 * `system:node:<their name>` with names from their node pool (`aks-<pool>-<id>-vmss…`, Windows `aks<pool>…`);
 * the legacy kubelet identity `nodeclient` is in group system:nodes; virtual nodes are registered by the
 * ACI connector. Falco ships this rule with its node list disabled; on AKS the naming makes a default possible.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { actorName, asString, field, printable } from "./lib/k8s.js";

const settings = baseSettings({ windowMinutes: 60 }).extend({
  /** Node names AKS gives its nodes: `aks-<pool>-<id>-vmss…` (Linux), `aks<pool>…` (Windows), and the ACI virtual node. */
  allowedNodeNames: z.array(z.string().min(1)).default(["aks*", "virtual-node-aci-linux*"]),
  /** Identities besides the node itself (`system:node:<same name>`) that may register nodes. */
  allowedIdentities: z.array(z.string().min(1)).default(["system:serviceaccount:kube-system:aci-connector-linux"]),
  /**
   * Groups whose members may register nodes: the legacy AKS kubelet identity `nodeclient` is in system:nodes. Not
   * system:bootstrappers: a bootstrap token may only request a certificate, so a node it creates is refused and reported.
   */
  allowedGroups: z.array(z.string().min(1)).default(["system:nodes"]),
});

type Settings = z.infer<typeof settings>;

export const nodeJoin = defineDetection<Settings>({
  id: "node-join",
  title: "Untrusted node joined or tried to join",
  description:
    "A Node object was created under a name outside the cluster's node pools, or by an identity other than the node's own kubelet: a machine the attacker controls joining the cluster receives pods, their secrets and service-account tokens. Refused attempts are reported too.",
  mitre: { tactics: ["DefenseEvasion", "Persistence"], techniques: ["T1578.002"] },
  status: "experimental",
  severityLogic: "High when the API server accepted the node; Medium when it refused it.",
  runbook: [
    "Compare Evidence.nodes with the node pools: `az aks nodepool list -g <rg> --cluster-name <cluster> -o table` and `kubectl get nodes -o wide`.",
    "If the node is not yours: `kubectl cordon <node>`, then `kubectl delete node <node>`, and revoke the credential it used (CSR approvals, bootstrap tokens, the identity in Actor).",
    "Review certificatesigningrequests approved around FirstSeen: a rogue kubelet needs a signed client certificate.",
  ],
  catalogueRows: [65],
  settings,
  select: { resources: ["nodes"], verbs: ["create"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || ref.subresource) return undefined;
    const username = event.user.username;
    const selfName = username.startsWith("system:node:") ? username.slice("system:node:".length) : "";
    const name =
      ref.name ||
      asString(field(event.requestObject, "metadata", "name")) ||
      asString(field(event.responseObject, "metadata", "name")) ||
      // A kubelet can only register itself: at Metadata level its username names the node.
      selfName;
    const reasons: string[] = [];
    if (name === "" || !matcherFor(s.allowedNodeNames)(name)) reasons.push(name ? "name outside the node pools" : "name not logged");
    const trustedIdentity = selfName
      ? selfName === name
      : matcherFor(s.allowedIdentities)(username) || event.user.groups.some((group) => matcherFor(s.allowedGroups)(group));
    if (!trustedIdentity) reasons.push(selfName ? `registered by another node's identity` : "registered by an identity that is not a kubelet");
    if (reasons.length === 0) return undefined;
    const joined = isAllowed(event);
    return {
      key: [username, `nodes//${name}`],
      items: { outcome: joined ? "joined" : "refused", reason: reasons },
      evidence: { node: printable(name || "(unknown)"), refusal: joined ? undefined : `${event.responseCode ?? ""} ${event.decision ?? ""}`.trim() },
    };
  },

  evaluate(state) {
    const [, target = ""] = state.key;
    const name = printable(target.slice("nodes//".length) || "(unknown)");
    const joined = state.itemsOf("outcome").includes("joined");
    const reasons = state.itemsOf("reason");
    const severity: Severity = joined ? "High" : "Medium";
    const actor = actorName(state.actor);
    const what = joined ? `registered node ${name}` : `tried to register node ${name} (refused)`;
    return {
      severity,
      title: `${actor} ${what}: ${reasons.join(", ")}`,
      description:
        `${actor} ${what}; ${reasons.join(", ")}.` +
        (joined
          ? " The scheduler may already be placing pods, with their secrets, on it."
          : " Someone holds a credential that reaches the API server as a would-be node."),
      evidence: { nodes: state.evidenceOf("node"), joined, reasons, refusals: state.evidenceOf("refusal") },
      qualifyingEvents: 1,
    };
  },
});
