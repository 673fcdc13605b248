/**
 * api-tunnel — the API server used as a tunnel into the cluster: port-forward to a pod (Falco), the
 * kubelet API reached through `nodes/proxy` (Elastic; its run/exec/attach endpoints run commands in any
 * pod of the node without `pods/exec`, and are logged as nodes/proxy, not as an exec), and pods/proxy or
 * services/proxy to ports that are not for browsers (kubelet, etcd, Docker, SSH, databases).
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { redactCommand } from "./lib/execCommands.js";
import { actorName, listForProse, maxSeverity, pathOf, printable, queryParams } from "./lib/k8s.js";
import { AKS_PLATFORM_IDENTITIES } from "./lib/identity.js";

const settings = baseSettings({
  windowMinutes: 60,
  allowActors: [...AKS_PLATFORM_IDENTITIES],
}).extend({
  /** Kubelet paths (after `/proxy`) that run commands in a pod: High. `*` matches any run of characters. */
  kubeletExecPaths: z.array(z.string()).default(["/run/*", "/exec*", "/attach*", "/portforward*", "/cri/*"]),
  /** Kubelet paths monitoring reads all day (Elastic's exclusions): not reported. */
  kubeletRoutinePaths: z.array(z.string()).default(["*metrics*", "*healthz*", "*stats/summary*", "*configz*"]),
  /** Ports that make a pods/proxy or services/proxy request worth a Low incident (kubelet, etcd, Docker, SSH, databases). */
  sensitivePorts: z.array(z.string()).default(["22", "2375", "2376", "2379", "2380", "4194", "10250", "10255", "3306", "5432", "6379", "9200", "27017"]),
});

type Settings = z.infer<typeof settings>;
type Variant = "kubeletExec" | "kubeletProxy" | "portForward" | "serviceProxy";

const SEVERITY: Readonly<Record<Variant, Severity>> = { kubeletExec: "High", kubeletProxy: "Medium", portForward: "Medium", serviceProxy: "Low" };
const PROSE: Readonly<Record<Variant, string>> = {
  kubeletExec: "ran commands through the kubelet API of",
  kubeletProxy: "proxied to the kubelet API of",
  portForward: "port-forwarded to",
  serviceProxy: "proxied through the API server to",
};
const MITRE: Readonly<Record<Variant, MitreMapping>> = {
  kubeletExec: { tactics: ["Execution", "LateralMovement"], techniques: ["T1609", "T1210"] },
  kubeletProxy: { tactics: ["Discovery"], techniques: ["T1613"] },
  portForward: { tactics: ["CommandAndControl"], techniques: ["T1090"] },
  serviceProxy: { tactics: ["CommandAndControl"], techniques: ["T1090"] },
};
const VARIANTS = Object.keys(SEVERITY) as Variant[];

export const apiTunnel = defineDetection<Settings>({
  id: "api-tunnel",
  title: "API server used as a tunnel (port-forward, kubelet proxy)",
  description:
    "Someone tunnelled through the API server: port-forwarded to a pod, reached a node's kubelet API through nodes/proxy (its run, exec and attach endpoints run commands in any pod of the node, bypassing pods/exec and its audit trail), or proxied to a pod or service port such as the kubelet's, etcd's or a database's. Tunnels reach what network policy and the exec audit trail were meant to keep out.",
  mitre: { tactics: ["Execution", "LateralMovement", "Discovery", "CommandAndControl"], techniques: ["T1609", "T1210", "T1613", "T1090"] },
  status: "experimental",
  severityLogic:
    "High for a nodes/proxy request to a `kubeletExecPaths` endpoint; Medium for any other nodes/proxy request outside `kubeletRoutinePaths`, and for a port-forward to a pod; Low for pods/proxy or services/proxy to a `sensitivePorts` port; the highest wins.",
  runbook: [
    "Read Evidence.requests: which node, pod or port was reached, and for kubelet run/exec the command (cmd / command parameters).",
    "Check who holds nodes/proxy or pods/portforward: `kubectl get clusterroles -o json | jq '.items[] | select(.rules[]?.resources[]? | test(\"nodes/proxy|pods/portforward\"))'`, and remove grants nobody needs (nodes/proxy is exec on every pod of the node).",
    "For a kubelet exec, treat the pod's service-account token and mounted secrets as exposed, as for pod-exec.",
  ],
  catalogueRows: [35, 37],
  settings,
  select: { resources: ["pods/portforward", "nodes/proxy", "pods/proxy", "services/proxy"] },

  fold(event, s) {
    const ref = event.objectRef;
    if (!ref || !isAllowed(event)) return undefined;
    const found = classify(event, s);
    if (!found) return undefined;
    const command = [...queryParams(event.requestUri, "cmd"), ...queryParams(event.requestUri, "command")].join(" ");
    const request = `${event.verb} ${printable(pathOf(event.requestUri), 300)}${command ? ` (${printable(redactCommand(command), 200)})` : ""}`;
    return { key: [event.user.username], items: { [found.variant]: printable(found.target, 200) }, evidence: { request } };
  },

  evaluate(state) {
    const fired = VARIANTS.filter((v) => state.count(v) > 0);
    if (fired.length === 0) return undefined;
    const actor = actorName(state.actor);
    const what = fired.map((v) => `${PROSE[v]} ${listForProse(state.itemsOf(v))}`);
    return {
      severity: fired.map((v) => SEVERITY[v]).reduce(maxSeverity),
      mitre: {
        tactics: [...new Set(fired.flatMap((v) => MITRE[v].tactics))],
        techniques: [...new Set(fired.flatMap((v) => MITRE[v].techniques))],
      },
      title: `${actor} ${listForProse(what, 2)}`,
      description: `${actor} ${listForProse(what, 4)} (${state.eventCount} request(s)). Requests: ${listForProse(state.evidenceOf("request", 5), 5)}.`,
      evidence: { variants: fired, requests: state.evidenceOf("request", 20), ...Object.fromEntries(fired.map((v) => [v, state.itemsOf(v, 20)])) },
      qualifyingEvents: 1,
    };
  },
});

function classify(event: AuditEvent, s: Settings): { variant: Variant; target: string } | undefined {
  const ref = event.objectRef as NonNullable<AuditEvent["objectRef"]>;
  if (ref.subresource === "portforward") {
    const ports = queryParams(event.requestUri, "ports").join(",");
    return { variant: "portForward", target: `pod ${ref.namespace}/${ref.name}${ports ? ` (ports ${ports})` : ""}` };
  }
  if (ref.resource === "nodes") {
    const path = kubeletPathOf(event.requestUri);
    const node = ref.name.split(":")[0] ?? ref.name;
    if (matcherFor(s.kubeletExecPaths)(path)) return { variant: "kubeletExec", target: `node ${node} (${path})` };
    if (matcherFor(s.kubeletRoutinePaths)(path)) return undefined;
    return { variant: "kubeletProxy", target: `node ${node} (${path || "/"})` };
  }
  // pods/proxy and services/proxy name `[scheme:]name[:port]`.
  const parts = ref.name.split(":");
  const port = parts.length > 1 ? (parts[parts.length - 1] ?? "") : "";
  if (!s.sensitivePorts.includes(port)) return undefined;
  return { variant: "serviceProxy", target: `${ref.resource === "pods" ? "pod" : "service"} ${ref.namespace}/${ref.name}` };
}

/** The kubelet path of a nodes/proxy request: what follows `/proxy` (`/run/default/web-0/web`). */
function kubeletPathOf(requestUri: string): string {
  const path = pathOf(requestUri);
  const at = path.indexOf("/proxy");
  return at < 0 ? "" : path.slice(at + "/proxy".length);
}
