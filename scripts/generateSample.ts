/**
 * Writes samples/aks-attack-story.jsonl: two hours of an AKS cluster's audit log as its diagnostic
 * setting streams it to Event Hubs (one message per line), benign control-plane and team traffic with
 * one attack story through it that each core detection should catch. Deterministic: run it again and
 * the file is the same. `npx tsx scripts/generateSample.ts`
 */
import { writeFileSync } from "node:fs";
import { aksRecord, auditEvent, type EventSpec, eventHubMessage, klogRecord, seededRandom, uuid } from "./synthetic/auditRecords.js";

const random = seededRandom(20261123);
const START = Date.parse("2026-11-20T08:00:00Z");
const HOUR = 3_600_000;
const MINUTE = 60_000;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

type Entry = { time: number; record: Record<string, unknown> };
const entries: Entry[] = [];
const add = (spec: Omit<EventSpec, "auditID"> & { auditID?: string }) => {
  const event = auditEvent({ auditID: uuid(random), ...spec });
  entries.push({ time: spec.time, record: aksRecord(event) });
  return event;
};

const NODES = ["aks-system-12345678-vmss000000", "aks-system-12345678-vmss000001", "aks-user-87654321-vmss000000"];
const KUBELET_UA = "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46";
const CONTROLLER_UA = "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:generic-garbage-collector";

// --- Benign background: nodes, controllers, AKS, and the teams that use the cluster. ---
for (let t = START; t < START + 2 * HOUR; t += 10_000 + Math.floor(random() * 4_000)) {
  const node = pick(NODES);
  const nodeUser = { username: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"], userAgent: KUBELET_UA, sourceIP: "10.224.0.4" };
  add({
    ...nodeUser,
    time: t,
    verb: "update",
    resource: "leases",
    apiGroup: "coordination.k8s.io",
    namespace: "kube-node-lease",
    name: node,
    level: "Metadata",
  });
  if (random() < 0.5) add({ ...nodeUser, time: t + 120, verb: "patch", resource: "nodes", subresource: "status", name: node, level: "Request" });
  if (random() < 0.3) {
    // Kubelets watch the secrets their pods mount, one by one, as the node authorizer allows.
    const [ns, secret] = pick([
      ["default", "web-tls"],
      ["payments", "payments-db"],
      ["kube-system", "konnectivity-certs"],
    ] as const);
    add({
      ...nodeUser,
      time: t + 300,
      verb: "watch",
      resource: "secrets",
      namespace: ns,
      requestURI: `/api/v1/namespaces/${ns}/secrets?allowWatchBookmarks=true&fieldSelector=metadata.name%3D${secret}&resourceVersion=81123&timeout=7m31s&timeoutSeconds=451&watch=true`,
      level: "Metadata",
    });
  }
  add({
    time: t + 500,
    verb: "get",
    username: "system:serviceaccount:kube-system:coredns",
    groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
    resource: "endpointslices",
    apiGroup: "discovery.k8s.io",
    namespace: "default",
    userAgent: "coredns/v1.11.3",
    sourceIP: "10.244.1.7",
    level: "Request",
  });
  if (random() < 0.4) {
    add({
      time: t + 800,
      verb: "list",
      username: "system:kube-controller-manager",
      resource: "secrets",
      userAgent: CONTROLLER_UA,
      sourceIP: "10.224.0.4",
      requestURI: "/api/v1/secrets?limit=500&resourceVersion=0",
      level: "Metadata",
    });
  }
  if (random() < 0.2)
    add({
      time: t + 900,
      verb: "get",
      username: "readinessChecker",
      requestURI: "/readyz",
      userAgent: "kube-probe/1.31",
      sourceIP: "10.200.0.38",
      level: "Metadata",
    });
  if (random() < 0.05) {
    entries.push({
      time: t + 950,
      record: klogRecord(
        t + 950,
        `I1120 ${new Date(t).toISOString().slice(11, 23)} 1 controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io`,
      ),
    });
  }
}

// AKS reconciles its own RBAC now and then: not an incident.
for (const offset of [12, 72]) {
  add({
    time: START + offset * MINUTE,
    verb: "patch",
    username: "aksService",
    groups: ["system:masters", "system:authenticated"],
    resource: "clusterrolebindings",
    apiGroup: "rbac.authorization.k8s.io",
    name: "aks-cluster-admin-binding",
    level: "RequestResponse",
    userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
    sourceIP: "172.31.9.219",
    requestObject: { subjects: [{ kind: "User", name: "clusterAdmin" }] },
    responseObject: {
      kind: "ClusterRoleBinding",
      metadata: { name: "aks-cluster-admin-binding" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "User", name: "clusterAdmin" }],
    },
  });
}

// A developer at work: reads pods, helm lists its release secrets in one namespace, a routine exec.
const dev = { username: "maria@contoso.com", groups: ["2a3e9ad4-5c0d-4e4e-9b3b-0f6c1d2b7a11", "system:authenticated"], sourceIP: "198.51.100.23" };
for (let i = 0; i < 40; i++) {
  add({ ...dev, time: START + 20 * MINUTE + i * 45_000, verb: pick(["get", "list"]), resource: "pods", namespace: "payments", level: "Request" });
}
add({
  ...dev,
  time: START + 31 * MINUTE,
  verb: "list",
  resource: "secrets",
  namespace: "payments",
  requestURI: "/api/v1/namespaces/payments/secrets?labelSelector=owner%3Dhelm",
  userAgent: "helm/v3.16.2",
  level: "Metadata",
});
add({
  ...dev,
  time: START + 34 * MINUTE,
  verb: "get",
  resource: "pods",
  subresource: "exec",
  namespace: "payments",
  name: "payments-api-7d9c6b5f4-x2x9q",
  requestURI:
    "/api/v1/namespaces/payments/pods/payments-api-7d9c6b5f4-x2x9q/exec?command=cat&command=%2Fapp%2Fconfig%2Fsettings.json&container=api&stderr=true&stdout=true",
  code: 101,
  stage: "ResponseStarted",
  level: "Metadata",
});
// A platform engineer grants a team read access in its namespace: an ordinary, Low-severity change.
add({
  time: START + 50 * MINUTE,
  verb: "create",
  username: "ops@contoso.com",
  groups: ["system:authenticated"],
  sourceIP: "198.51.100.40",
  resource: "rolebindings",
  apiGroup: "rbac.authorization.k8s.io",
  namespace: "team-a",
  name: "team-a-view",
  level: "RequestResponse",
  requestObject: {
    kind: "RoleBinding",
    metadata: { name: "team-a-view", namespace: "team-a" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "Group", name: "team-a-readers" }],
  },
});
// Anonymous health and version checks are public on every cluster.
for (const path of ["/version", "/livez", "/.well-known/openid-configuration"]) {
  add({
    time: START + 5 * MINUTE,
    verb: "get",
    username: "system:anonymous",
    groups: ["system:unauthenticated"],
    requestURI: path,
    sourceIP: "20.50.2.10",
    userAgent: "Go-http-client/2.0",
    reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"',
  });
}

// --- The attack. ---
const ATTACKER_IP = "203.0.113.77";
const T = START + 61 * MINUTE;
const anon = { username: "system:anonymous", groups: ["system:unauthenticated"], sourceIP: ATTACKER_IP, userAgent: "python-requests/2.32.3" };
// 1. An anonymous scan for what is open: refused …
[
  "/api/v1/secrets",
  "/api/v1/namespaces/kube-system/secrets",
  "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
  "/api/v1/nodes",
  "/.env",
  "/metrics",
  "/api/v1/namespaces/default/configmaps",
].forEach((path, i) => {
  add({ ...anon, time: T + i * 1_500, verb: "get", requestURI: path, code: 403, decision: "forbid" });
});
// 2. … except what a forgotten binding lets anonymous users read.
add({
  ...anon,
  time: T + 15_000,
  verb: "list",
  resource: "pods",
  namespace: "default",
  requestURI: "/api/v1/namespaces/default/pods",
  reason: 'RBAC: allowed by RoleBinding "legacy-dashboard-view/default" of ClusterRole "view" to User "system:anonymous"',
  level: "Request",
});
// 3. A stolen kubeconfig of a developer: every secret in the cluster, then a few one by one.
const victim = {
  username: "dev@contoso.com",
  groups: ["7f4b2c1e-0a9d-4c55-8e2f-3b6a9d8e1c44", "system:authenticated"],
  sourceIP: ATTACKER_IP,
  userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
};
add({ ...victim, time: T + 5 * MINUTE, verb: "list", resource: "secrets", requestURI: "/api/v1/secrets?limit=500", level: "Metadata" });
const stolen = [
  ["payments", "payments-db"],
  ["payments", "stripe-api-key"],
  ["kube-system", "azure-wi-webhook-server-cert"],
  ["default", "acr-pull"],
  ["monitoring", "grafana-admin"],
] as const;
stolen.forEach(([ns, name], i) => {
  add({ ...victim, time: T + 6 * MINUTE + i * 2_000, verb: "get", resource: "secrets", namespace: ns, name, level: "Metadata" });
});
// 4. A backdoor: cluster-admin for a service account the attacker controls.
add({
  ...victim,
  time: T + 9 * MINUTE,
  verb: "create",
  resource: "serviceaccounts",
  namespace: "default",
  name: "metrics-reader",
  level: "Metadata",
});
add({
  ...victim,
  time: T + 9 * MINUTE + 2_000,
  verb: "create",
  resource: "clusterrolebindings",
  apiGroup: "rbac.authorization.k8s.io",
  name: "metrics-reader-binding",
  level: "RequestResponse",
  requestObject: {
    kind: "ClusterRoleBinding",
    apiVersion: "rbac.authorization.k8s.io/v1",
    metadata: { name: "metrics-reader-binding" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: "metrics-reader", namespace: "default" }],
  },
  responseObject: {
    kind: "ClusterRoleBinding",
    apiVersion: "rbac.authorization.k8s.io/v1",
    metadata: { name: "metrics-reader-binding", uid: "5d1c8f0e-2b7a-4c3e-9f1d-8a6b4e2c0d11" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: "metrics-reader", namespace: "default" }],
  },
});
// 5. Hands on keyboard in a system pod: an interactive shell over WebSockets (kubectl ≥ 1.30 logs `get`),
//    then a token read; the long-running request is logged at ResponseStarted and ResponseComplete.
const shellId = uuid(random);
const shellUri =
  "/api/v1/namespaces/kube-system/pods/konnectivity-agent-5f7d8c9b6-qk2lm/exec?command=sh&container=konnectivity-agent&stdin=true&stdout=true&tty=true";
const shell = {
  ...victim,
  verb: "get",
  resource: "pods",
  subresource: "exec",
  namespace: "kube-system",
  name: "konnectivity-agent-5f7d8c9b6-qk2lm",
  requestURI: shellUri,
  code: 101,
  level: "Metadata" as const,
};
add({ ...shell, auditID: shellId, time: T + 12 * MINUTE, stage: "ResponseStarted" });
add({ ...shell, auditID: shellId, time: T + 19 * MINUTE, stage: "ResponseComplete", latencyMs: 7 * MINUTE });
add({
  ...shell,
  time: T + 20 * MINUTE,
  stage: "ResponseStarted",
  requestURI:
    "/api/v1/namespaces/kube-system/pods/konnectivity-agent-5f7d8c9b6-qk2lm/exec?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container=konnectivity-agent&stderr=true&stdout=true",
});

// A record AKS cut at 16 KiB (Azure/AKS#4635): invalid JSON, quarantined, never fatal.
const big = auditEvent({
  auditID: uuid(random),
  time: START + 90 * MINUTE,
  verb: "update",
  username: "system:serviceaccount:kube-system:node-controller",
  resource: "nodes",
  subresource: "status",
  name: NODES[0],
  level: "RequestResponse",
  requestObject: {
    kind: "Node",
    status: {
      images: Array.from({ length: 200 }, (_, i) => ({ names: [`mcr.microsoft.com/oss/kubernetes/image-${i}@sha256:${"0".repeat(64)}`], sizeBytes: 1e8 + i })),
    },
  },
});
const truncated = aksRecord(big);
(truncated.properties as { log: string }).log = JSON.stringify(big).slice(0, 16_384);
entries.push({ time: START + 90 * MINUTE, record: truncated });

// --- Write messages as diagnostic settings batch them: a few seconds of records per message. ---
entries.sort((a, b) => a.time - b.time);
const lines: string[] = [];
for (let i = 0; i < entries.length; ) {
  const size = 20 + Math.floor(random() * 30);
  lines.push(eventHubMessage(entries.slice(i, i + size).map((e) => e.record)));
  i += size;
}
const out = new URL("../samples/aks-attack-story.jsonl", import.meta.url);
writeFileSync(out, `${lines.join("\n")}\n`);
process.stdout.write(`wrote ${entries.length} records in ${lines.length} messages to samples/aks-attack-story.jsonl\n`);
