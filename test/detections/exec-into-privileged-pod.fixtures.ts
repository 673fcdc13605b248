import type { EventSpec } from "../../scripts/synthetic/auditRecords.js";
import { type DetectionFixture, ev, user } from "./fixture.js";
import { controllerPod, created, manifest, nginx, nodeDebugger } from "./privileged-workload.fixtures.js";

type Spec = Omit<EventSpec, "auditID" | "time">;

/** An exec as kubectl ≥ 1.30 logs it (WebSocket: verb get, ResponseStarted, 101), command in the URI. */
const exec = (
  namespace: string,
  pod: string,
  query = "command=sh&stdin=true&stdout=true&tty=true",
  who = user("mallory@contoso.com", "203.0.113.66"),
): Spec => ({
  ...who,
  verb: "get",
  resource: "pods",
  subresource: "exec",
  namespace,
  name: pod,
  requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`,
  code: 101,
  stage: "ResponseStarted",
  level: "Metadata",
});
const privileged = { containers: [nginx({ privileged: true })] };
const plain = { containers: [nginx()] };
const DAY = 24 * 3600;

export const positive: DetectionFixture[] = [
  {
    name: "the whole story: a node-debugger pod created with the host's namespaces and /, then a shell in it, is High with the creation in Evidence",
    events: [
      ev(0, created("pods", "default", "node-shell", nodeDebugger("aks-nodepool1-38516731-vmss000001", "sysadmin"))),
      ev(120, exec("default", "node-shell", "command=nsenter&command=-t&command=1&command=-m&command=-u&command=-i&command=-n&command=sh&stdin=true&tty=true")),
    ],
    incidents: [
      {
        severity: "High",
        actor: "mallory@contoso.com",
        eventCount: 1,
        titleIncludes: ["mallory@contoso.com exec'd into privileged pod default/node-shell, created by alice@contoso.com with container debugger: privileged"],
        targets: ["pods/default/node-shell"],
        evidence: {
          commands: ["nsenter -t 1 -m -u -i -n sh"],
          linkedVia: ["its creation"],
          createdBy: ["alice@contoso.com"],
          createdAt: ["2026-11-20T10:00:00.000Z"],
          hostAccess: ["container debugger: privileged", "hostIPC", "hostNetwork", "hostPID", "hostPath / (volume host-root)"],
        },
      },
    ],
  },
  {
    name: "a privileged Deployment's pod, created by the replicaset controller under a generated name (read from the response), exec'd into",
    events: [
      ev(0, created("deployments", "web", "frontend", privileged)),
      ev(5, controllerPod("web", "frontend-5cdcc99dbf", "rgw6z", privileged)),
      ev(600, exec("web", "frontend-5cdcc99dbf-rgw6z")),
    ],
    incidents: [
      {
        severity: "High",
        evidence: {
          linkedVia: ["its creation"],
          createdBy: ["system:serviceaccount:kube-system:replicaset-controller"],
          owner: ["ReplicaSet frontend-5cdcc99dbf"],
        },
      },
    ],
  },
  {
    name: "the pod's creation was not logged, its Deployment's template was: linked by Kubernetes' pod naming",
    events: [ev(0, created("deployments", "web", "frontend", privileged)), ev(600, exec("web", "frontend-5cdcc99dbf-rgw6z"))],
    incidents: [
      { severity: "High", evidence: { linkedVia: ["the template of Deployment web/frontend, whose pods are named so"], createdBy: ["alice@contoso.com"] } },
    ],
  },
  {
    name: "a DaemonSet's pod (<daemonset>-<5>), days later",
    events: [
      ev(0, created("daemonsets", "monitoring", "node-agent", { hostPID: true, containers: [{ name: "agent", image: "contosoacr.azurecr.io/agent:2" }] })),
      ev(3 * DAY, exec("monitoring", "node-agent-x7k2p")),
    ],
    incidents: [{ severity: "High", titleIncludes: ["exec'd into pod with host access monitoring/node-agent-x7k2p"], evidence: { hostAccess: ["hostPID"] } }],
  },
  {
    name: "a StatefulSet's pod (<statefulset>-<ordinal>) mounting the kubelet's directory",
    events: [
      ev(
        0,
        created("statefulsets", "data", "db", {
          containers: [{ name: "db", image: "postgres:16" }],
          volumes: [{ name: "kubelet", hostPath: { path: "/var/lib/kubelet" } }],
        }),
      ),
      ev(60, exec("data", "db-0", "command=cat&command=%2Fhost%2Fvar%2Flib%2Fkubelet%2Fkubeconfig")),
    ],
    incidents: [
      { severity: "High", evidence: { hostAccess: ["hostPath /var/lib/kubelet (volume kubelet)"], commands: ["cat /host/var/lib/kubelet/kubeconfig"] } },
    ],
  },
  {
    name: "attach and a debug container into a privileged pod are reported like exec, in one incident",
    events: [
      ev(0, created("pods", "default", "debug", privileged)),
      ev(60, {
        ...exec("default", "debug"),
        subresource: "attach",
        requestURI: "/api/v1/namespaces/default/pods/debug/attach?container=nginx&stdin=true&tty=true",
      }),
      ev(120, {
        ...user("mallory@contoso.com", "203.0.113.66"),
        verb: "patch",
        resource: "pods",
        subresource: "ephemeralcontainers",
        namespace: "default",
        name: "debug",
        level: "RequestResponse",
        requestObject: { spec: { ephemeralContainers: [{ name: "debugger-q2w", image: "busybox:1.36", stdin: true, tty: true }] } },
      }),
    ],
    incidents: [{ severity: "High", eventCount: 2, titleIncludes: ["attached to and added a debug container to privileged pod default/debug"] }],
  },
  {
    name: "rememberDays raised to 60: an exec 45 days after the creation still counts",
    config: { "exec-into-privileged-pod": { rememberDays: 60 } },
    events: [ev(0, created("pods", "default", "debug", privileged)), ev(45 * DAY, exec("default", "debug"))],
    incidents: [{ severity: "High" }],
  },
  {
    name: "a privileged add-on pod AKS created (allowlisted for the creation) is still remembered: exec into it by a person is High",
    events: [
      ev(0, {
        ...controllerPod("kube-system", "kube-proxy", "x2kqv", {
          hostNetwork: true,
          containers: [{ name: "kube-proxy", image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2", securityContext: { privileged: true } }],
        }),
        username: "system:serviceaccount:kube-system:daemon-set-controller",
      }),
      ev(300, exec("kube-system", "kube-proxy-x2kqv")),
    ],
    incidents: [{ severity: "High", evidence: { linkedVia: ["its creation"] } }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "the follow-up alone: an exec into a pod whose creation was never seen",
    events: [ev(0, exec("default", "node-shell"))],
    incidents: [],
  },
  {
    name: "the precursor alone: a privileged pod nobody exec'd into",
    events: [ev(0, created("pods", "default", "node-shell", nodeDebugger("aks-nodepool1-38516731-vmss000001", "sysadmin")))],
    incidents: [],
  },
  {
    name: "an exec into an unprivileged pod whose creation was seen",
    events: [ev(0, created("pods", "default", "web", plain)), ev(60, exec("default", "web"))],
    incidents: [],
  },
  {
    name: "a pod of the same name in another namespace",
    events: [ev(0, created("pods", "default", "debug", privileged)), ev(60, exec("staging", "debug"))],
    incidents: [],
  },
  {
    name: "the precursor outside the remembered time: an exec 31 days after the creation (rememberDays 30)",
    events: [ev(0, created("pods", "default", "debug", privileged)), ev(31 * DAY, exec("default", "debug"))],
    incidents: [],
  },
  {
    name: "a privileged pod deleted and created again unprivileged under the same name: the newer creation wins",
    events: [ev(0, created("pods", "default", "debug", privileged)), ev(600, created("pods", "default", "debug", plain)), ev(900, exec("default", "debug"))],
    incidents: [],
  },
  {
    name: "a Deployment made unprivileged again (the patch logged with its response): its newer pods are not linked to the old template",
    events: [
      ev(0, created("deployments", "web", "frontend", privileged)),
      ev(60, {
        ...user("alice@contoso.com"),
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "web",
        name: "frontend",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { containers: [{ name: "nginx", securityContext: { privileged: false } }] } } } },
        responseObject: manifest("deployments", "web", "frontend", { containers: [nginx({ privileged: false })] }),
      }),
      ev(600, exec("web", "frontend-6d8f7b9c4d-p9dzr")),
    ],
    incidents: [],
  },
  {
    name: "a pod whose name merely starts with a privileged Deployment's is not linked (no Kubernetes suffix)",
    events: [ev(0, created("deployments", "web", "frontend", privileged)), ev(60, exec("web", "frontend-debug"))],
    incidents: [],
  },
  {
    name: "linkByName off: a Deployment's template alone is not enough",
    config: { "exec-into-privileged-pod": { linkByName: false } },
    events: [ev(0, created("deployments", "web", "frontend", privileged)), ev(600, exec("web", "frontend-5cdcc99dbf-rgw6z"))],
    incidents: [],
  },
  {
    name: "a refused exec into a privileged pod",
    events: [
      ev(0, created("pods", "default", "debug", privileged)),
      ev(60, { ...exec("default", "debug"), code: 403, decision: "forbid", stage: "ResponseComplete" }),
    ],
    incidents: [],
  },
  {
    name: "AKS's problem detector exec'ing into a privileged pod is allowlisted",
    events: [
      ev(0, created("pods", "default", "debug", privileged)),
      ev(60, exec("default", "debug", "command=true", { username: "aksProblemDetector", groups: ["system:authenticated"], sourceIP: "172.31.20.43" })),
    ],
    incidents: [],
  },
  {
    name: "variants without hostNetwork: a hostNetwork-only pod does not count",
    config: { "exec-into-privileged-pod": { variants: ["privileged", "sensitiveHostPath", "hostPID", "hostIPC", "capabilities"] } },
    events: [ev(0, created("pods", "default", "net", { hostNetwork: true, containers: [nginx()] })), ev(60, exec("default", "net"))],
    incidents: [],
  },
  {
    name: "a plain hostPath (not sensitive) does not make a pod count by default",
    events: [
      ev(0, created("pods", "default", "logs", { containers: [nginx()], volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }] })),
      ev(60, exec("default", "logs")),
    ],
    incidents: [],
  },
];
