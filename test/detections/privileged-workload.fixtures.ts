import type { EventSpec } from "../../scripts/synthetic/auditRecords.js";
import { type DetectionFixture, ev, user } from "./fixture.js";

type Spec = Omit<EventSpec, "auditID" | "time">;

const GROUP_VERSIONS: Readonly<Record<string, string>> = {
  deployments: "apps/v1",
  replicasets: "apps/v1",
  statefulsets: "apps/v1",
  daemonsets: "apps/v1",
  jobs: "batch/v1",
  cronjobs: "batch/v1",
};
const KINDS: Readonly<Record<string, string>> = {
  pods: "Pod",
  deployments: "Deployment",
  replicasets: "ReplicaSet",
  statefulsets: "StatefulSet",
  daemonsets: "DaemonSet",
  jobs: "Job",
  cronjobs: "CronJob",
};

/** The body of a pod, or of a workload whose template is this pod spec, as kubectl sends it. */
export function manifest(resource: string, namespace: string, name: string, podSpec: object, extra: { labels?: object; metadata?: object } = {}) {
  const template = { metadata: { labels: extra.labels ?? { app: name } }, spec: podSpec };
  const spec =
    resource === "pods"
      ? podSpec
      : resource === "cronjobs"
        ? { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } }
        : resource === "jobs"
          ? { template }
          : { selector: { matchLabels: extra.labels ?? { app: name } }, template };
  return {
    kind: KINDS[resource],
    apiVersion: GROUP_VERSIONS[resource] ?? "v1",
    metadata: { name, namespace, ...(extra.metadata ?? {}) },
    spec,
  };
}

/** A create as the API server logs it at RequestResponse (AKS logs writes to core and apps groups so). */
export function created(resource: string, namespace: string, name: string, podSpec: object, extra: { labels?: object; metadata?: object } = {}): Spec {
  const apiGroup = (GROUP_VERSIONS[resource] ?? "v1").includes("/") ? (GROUP_VERSIONS[resource] as string).split("/")[0] : undefined;
  const body = manifest(resource, namespace, name, podSpec, extra);
  return {
    ...user("alice@contoso.com"),
    verb: "create",
    resource,
    namespace,
    name,
    ...(apiGroup ? { apiGroup } : {}),
    requestURI: `${apiGroup ? `/apis/${GROUP_VERSIONS[resource]}` : "/api/v1"}/namespaces/${namespace}/${resource}`,
    level: "RequestResponse",
    requestObject: body,
    responseObject: { ...body, metadata: { ...body.metadata, uid: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", resourceVersion: "48213377" } },
  };
}

export const nginx = (securityContext?: object) => ({
  name: "nginx",
  image: "nginx:1.27",
  ...(securityContext ? { securityContext } : {}),
});

/** What `kubectl debug node/<node> -it --image=ubuntu` creates. */
export const nodeDebugger = (node: string, profile?: "sysadmin") => ({
  nodeName: node,
  hostIPC: true,
  hostNetwork: true,
  hostPID: true,
  restartPolicy: "Never",
  containers: [
    {
      name: "debugger",
      image: "ubuntu",
      stdin: true,
      tty: true,
      volumeMounts: [{ name: "host-root", mountPath: "/host" }],
      ...(profile === "sysadmin" ? { securityContext: { privileged: true } } : {}),
    },
  ],
  volumes: [{ name: "host-root", hostPath: { path: "/" } }],
});

/** A pod as the replicaset controller creates it from a Deployment's template (Falco's create_nginx_pod_privileged trace). */
export function controllerPod(namespace: string, replicaSet: string, suffix: string, podSpec: object): Spec {
  const metadata = {
    generateName: `${replicaSet}-`,
    namespace,
    labels: { app: "nginx" },
    ownerReferences: [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: replicaSet, uid: "8c800470-d85f-11e8-88b6-080027728ac4", controller: true, blockOwnerDeletion: true },
    ],
  };
  return {
    username: "system:serviceaccount:kube-system:replicaset-controller",
    groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
    sourceIP: "172.31.20.43",
    userAgent: "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller",
    verb: "create",
    resource: "pods",
    namespace,
    requestURI: `/api/v1/namespaces/${namespace}/pods`,
    level: "RequestResponse",
    requestObject: { kind: "Pod", apiVersion: "v1", metadata, spec: podSpec },
    responseObject: { kind: "Pod", apiVersion: "v1", metadata: { ...metadata, name: `${replicaSet}-${suffix}` }, spec: podSpec },
  };
}

const alice = user("alice@contoso.com");

export const positive: DetectionFixture[] = [
  {
    name: "kubectl run of a privileged pod (Falco's create_nginx_pod_privileged spec, by a person) is High",
    events: [ev(0, created("pods", "default", "debug", { containers: [nginx({ privileged: true })] }))],
    incidents: [
      {
        severity: "High",
        actor: "alice@contoso.com",
        titleIncludes: ["alice@contoso.com created pod default/debug: container nginx: privileged"],
        techniques: ["T1610", "T1611"],
        targets: ["pods/default/debug"],
        evidence: { variants: ["privileged"], findings: ["container nginx: privileged"], images: ["nginx:1.27"] },
      },
    ],
  },
  {
    name: "kubectl create of a privileged pod named by generateName: Targets name the pod the server created, from the response",
    events: [
      ev(0, {
        ...created("pods", "default", "", { containers: [nginx({ privileged: true })] }, { metadata: { generateName: "debug-" } }),
        responseObject: {
          ...manifest("pods", "default", "debug-7xk2q", { containers: [nginx({ privileged: true })] }, { metadata: { generateName: "debug-" } }),
        },
      }),
    ],
    incidents: [{ severity: "High", actor: "alice@contoso.com", titleIncludes: ["created pod default/debug-7xk2q"], targets: ["pods/default/debug-7xk2q"] }],
  },
  {
    name: "only the second container is privileged (Falco's privileged_2nd_container): still High",
    events: [
      ev(0, created("pods", "default", "web", { containers: [nginx(), { name: "mysql", image: "mysql:latest", securityContext: { privileged: true } }] })),
    ],
    incidents: [{ severity: "High", evidence: { findings: ["container mysql: privileged"] } }],
  },
  {
    name: "a privileged init container is inspected like any other",
    events: [
      ev(
        0,
        created("pods", "default", "web", {
          initContainers: [{ name: "setup", image: "busybox", securityContext: { privileged: true } }],
          containers: [nginx()],
        }),
      ),
    ],
    incidents: [{ severity: "High", evidence: { findings: ["initContainer setup: privileged"] } }],
  },
  {
    name: "kubectl debug node/… creates a pod with the host's namespaces and / mounted: High, every grant listed",
    events: [ev(0, created("pods", "default", "node-debugger-aks-nodepool1-38516731-vmss000001-x7k2p", nodeDebugger("aks-nodepool1-38516731-vmss000001")))],
    incidents: [
      {
        severity: "High",
        evidence: {
          variants: ["hostIPC", "hostNetwork", "hostPID", "sensitiveHostPath"],
          findings: ["hostIPC", "hostNetwork", "hostPID", "hostPath / (volume host-root)"],
        },
      },
    ],
  },
  {
    name: "a hostPath spelled to dodge a list (//var/run/./docker.sock/) is normalized and still sensitive",
    events: [
      ev(
        0,
        created("pods", "ci", "builder", {
          containers: [{ name: "dind", image: "docker:27-cli", volumeMounts: [{ name: "sock", mountPath: "/var/run/docker.sock" }] }],
          volumes: [{ name: "sock", hostPath: { path: "//var/run/./docker.sock/", type: "Socket" } }],
        }),
      ),
    ],
    incidents: [{ severity: "High", evidence: { variants: ["sensitiveHostPath"], findings: ["hostPath /var/run/docker.sock (volume sock)"] } }],
  },
  {
    name: "hostNetwork alone (Falco's create_nginx_pod_hostnetwork spec, Panther's AKS case) is Medium",
    events: [ev(0, created("pods", "default", "nginx-test", { hostNetwork: true, containers: [nginx()] }))],
    incidents: [{ severity: "Medium", evidence: { variants: ["hostNetwork"] }, techniques: ["T1610", "T1557"] }],
  },
  {
    name: "NET_ADMIN added (Panther's AKS case) is Medium",
    events: [ev(0, created("pods", "default", "network-tool", { containers: [nginx({ capabilities: { add: ["NET_ADMIN"] } })] }))],
    incidents: [{ severity: "Medium", evidence: { variants: ["capabilities"], capabilities: ["NET_ADMIN"] } }],
  },
  {
    name: "cap_sys_module, lower-case with its CAP_ prefix, has an escape path: High",
    events: [ev(0, created("pods", "default", "loader", { containers: [nginx({ capabilities: { add: ["cap_sys_module", "NET_BIND_SERVICE"] } })] }))],
    incidents: [{ severity: "High", evidence: { capabilities: ["SYS_MODULE"], findings: ["container nginx: adds SYS_MODULE"] } }],
  },
  {
    name: "runAsUser 0 (Panther's run-as-root case) is Low",
    events: [ev(0, created("pods", "default", "root-user-pod", { containers: [nginx({ runAsUser: 0 })] }))],
    incidents: [{ severity: "Low", evidence: { variants: ["runAsRoot"], findings: ["container nginx: runAsUser 0"] }, techniques: ["T1610"] }],
  },
  {
    name: "a hostPath outside the sensitive list (/var/log, a log shipper's) is Low",
    events: [
      ev(
        0,
        created("daemonsets", "logging", "fluent-bit", {
          containers: [{ name: "fluent-bit", image: "cr.fluentbit.io/fluent/fluent-bit:3.1", volumeMounts: [{ name: "varlog", mountPath: "/var/log" }] }],
          volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }],
        }),
      ),
    ],
    incidents: [
      {
        severity: "Low",
        techniques: ["T1611"],
        targets: ["daemonsets/logging/fluent-bit"],
        titleIncludes: ["created DaemonSet logging/fluent-bit: hostPath /var/log"],
      },
    ],
  },
  {
    name: "a Deployment's template is inspected where it is written",
    events: [ev(0, created("deployments", "payments", "api", { containers: [nginx({ privileged: true })] }))],
    incidents: [{ severity: "High", targets: ["deployments/payments/api"], titleIncludes: ["created Deployment payments/api"] }],
  },
  {
    name: "a CronJob's job template with a privileged init container",
    events: [
      ev(
        0,
        created("cronjobs", "ops", "cleanup", {
          restartPolicy: "OnFailure",
          initContainers: [{ name: "prep", image: "alpine:3.20", securityContext: { privileged: true } }],
          containers: [{ name: "run", image: "alpine:3.20" }],
        }),
      ),
    ],
    incidents: [{ severity: "High", evidence: { findings: ["initContainer prep: privileged"] } }],
  },
  {
    name: "a strategic-merge patch that makes a DaemonSet's container privileged is judged by what it adds",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "daemonsets",
        apiGroup: "apps",
        namespace: "monitoring",
        name: "node-exporter",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { containers: [{ name: "node-exporter", securityContext: { privileged: true } }] } } } },
      }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["patched DaemonSet monitoring/node-exporter: container node-exporter: privileged"] }],
  },
  {
    name: "a JSON patch (kubectl patch --type json) adding SYS_ADMIN is read from its operations",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "web",
        name: "frontend",
        level: "RequestResponse",
        requestObject: [
          { op: "add", path: "/spec/template/spec/containers/0/securityContext", value: { capabilities: { add: ["SYS_ADMIN"] } } },
          { op: "replace", path: "/spec/replicas", value: 2 },
        ],
      }),
    ],
    incidents: [{ severity: "High", evidence: { capabilities: ["SYS_ADMIN"], findings: ["container (unnamed): adds SYS_ADMIN"] } }],
  },
  {
    name: "kubectl debug --profile=sysadmin adds a privileged ephemeral container: only that container is judged",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "pods",
        subresource: "ephemeralcontainers",
        namespace: "payments",
        name: "api-0",
        level: "RequestResponse",
        requestObject: {
          spec: { ephemeralContainers: [{ name: "debugger-x7k", image: "busybox:1.36", stdin: true, tty: true, securityContext: { privileged: true } }] },
        },
        responseObject: {
          kind: "Pod",
          metadata: { name: "api-0", namespace: "payments" },
          spec: {
            hostNetwork: true,
            containers: [nginx()],
            ephemeralContainers: [{ name: "debugger-x7k", image: "busybox:1.36", securityContext: { privileged: true } }],
          },
        },
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["added a debug container to pod payments/api-0: ephemeralContainer debugger-x7k: privileged"],
        evidence: { variants: ["privileged"] },
      },
    ],
  },
  {
    name: "a Windows HostProcess container counts as privileged",
    events: [
      ev(
        0,
        created("pods", "win", "hpc", {
          hostNetwork: true,
          securityContext: { windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" } },
          containers: [{ name: "shell", image: "mcr.microsoft.com/windows/nanoserver:ltsc2022" }],
        }),
      ),
    ],
    incidents: [{ severity: "High", evidence: { findings: ["hostNetwork", "pod: Windows HostProcess"] } }],
  },
  {
    name: "a mirror pod a kubelet creates is a static pod someone wrote on the node: reported as such",
    events: [
      ev(0, {
        ...created("pods", "kube-system", "sniffer-aks-nodepool1-38516731-vmss000002", {
          hostNetwork: true,
          containers: [{ name: "tcpdump", image: "nicolaka/netshoot" }],
        }),
        username: "system:node:aks-nodepool1-38516731-vmss000002",
        groups: ["system:nodes", "system:authenticated"],
        sourceIP: "10.224.0.6",
        userAgent: "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46",
      }),
    ],
    incidents: [
      { severity: "Medium", titleIncludes: ["created static pod kube-system/sniffer-aks-nodepool1-38516731-vmss000002"], evidence: { staticPod: true } },
    ],
  },
  {
    name: "with inspectControllerWrites, the replicaset controller's pods (Falco's trace as logged) are reported too, under their generated names",
    config: { "privileged-workload": { inspectControllerWrites: true } },
    events: [ev(0, controllerPod("default", "nginx-deployment-5cdcc99dbf", "rgw6z", { containers: [nginx({ privileged: true })] }))],
    incidents: [
      {
        severity: "High",
        actor: "system:serviceaccount:kube-system:replicaset-controller",
        titleIncludes: ["pod default/nginx-deployment-5cdcc99dbf-rgw6z"],
        evidence: { owner: ["ReplicaSet nginx-deployment-5cdcc99dbf"] },
      },
    ],
  },
  {
    name: "a create then a patch of the same Deployment within the hour are one incident",
    events: [
      ev(0, created("deployments", "web", "frontend", { hostPID: true, containers: [nginx()] })),
      ev(600, {
        ...alice,
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "web",
        name: "frontend",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { containers: [{ name: "nginx", securityContext: { privileged: true } }] } } } },
      }),
    ],
    incidents: [{ severity: "High", eventCount: 2, titleIncludes: ["created and patched Deployment web/frontend"] }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "an unprivileged pod (Falco's create_nginx_pod_unprivileged spec), explicit privileged: false included",
    events: [ev(0, created("pods", "default", "web", { containers: [nginx({ privileged: false, allowPrivilegeEscalation: false })] }))],
    incidents: [],
  },
  {
    name: "by default the replicaset controller's pods are skipped: the Deployment's template was inspected when it was written (Falco reports this trace)",
    events: [ev(0, controllerPod("default", "nginx-deployment-5cdcc99dbf", "rgw6z", { containers: [nginx({ privileged: true })] }))],
    incidents: [],
  },
  {
    name: "AKS deploying its own privileged add-on (kube-proxy) as aksService is allowlisted",
    events: [
      ev(0, {
        ...created("daemonsets", "kube-system", "kube-proxy", {
          hostNetwork: true,
          containers: [{ name: "kube-proxy", image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2", securityContext: { privileged: true } }],
          volumes: [{ name: "kubeconfig", hostPath: { path: "/var/lib/kubelet" } }],
        }),
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        sourceIP: "172.31.20.43",
        userAgent: "overlaymgr/v1.31.2",
      }),
    ],
    incidents: [],
  },
  {
    name: "a refused create (403) created nothing",
    events: [ev(0, { ...created("pods", "default", "debug", { containers: [nginx({ privileged: true })] }), code: 403, decision: "forbid" })],
    incidents: [],
  },
  {
    name: "a server-side dry run (kubectl apply --dry-run=server) created nothing",
    events: [
      ev(0, {
        ...created("pods", "default", "debug", { containers: [nginx({ privileged: true })] }),
        requestURI: "/api/v1/namespaces/default/pods?dryRun=All&fieldManager=kubectl-client-side-apply",
      }),
    ],
    incidents: [],
  },
  {
    name: "a create logged at Metadata level carries no spec: not reported, nothing to inspect",
    events: [
      ev(0, {
        ...alice,
        verb: "create",
        resource: "pods",
        namespace: "default",
        name: "debug",
        requestURI: "/api/v1/namespaces/default/pods",
        level: "Metadata",
      }),
    ],
    incidents: [],
  },
  {
    name: "trustedImages exempts a known agent's image (Falco's trust_nginx_container case)",
    config: { "privileged-workload": { trustedImages: ["nginx:*"] } },
    events: [ev(0, created("pods", "default", "debug", { hostNetwork: true, containers: [nginx({ privileged: true })] }))],
    incidents: [],
  },
  {
    name: "a variant switched off (hostNetwork: false) is not reported",
    config: { "privileged-workload": { hostNetwork: false } },
    events: [ev(0, created("pods", "default", "nginx-test", { hostNetwork: true, containers: [nginx()] }))],
    incidents: [],
  },
  {
    name: "kubectl rollout restart of a privileged DaemonSet patches an annotation: adds nothing",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "daemonsets",
        apiGroup: "apps",
        namespace: "monitoring",
        name: "node-exporter",
        level: "RequestResponse",
        requestObject: { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-11-20T10:00:00Z" } } } } },
        responseObject: manifest("daemonsets", "monitoring", "node-exporter", { hostPID: true, containers: [nginx({ privileged: true })] }),
      }),
    ],
    incidents: [],
  },
  {
    name: "a strategic-merge patch deleting the privileged container adds nothing",
    events: [
      ev(0, {
        ...alice,
        verb: "patch",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "web",
        name: "frontend",
        level: "RequestResponse",
        requestObject: { spec: { template: { spec: { containers: [{ name: "debug", $patch: "delete", securityContext: { privileged: true } }] } } } },
      }),
    ],
    incidents: [],
  },
  {
    name: "only harmless capabilities (Panther's safe-capabilities case)",
    events: [ev(0, created("pods", "default", "web", { containers: [nginx({ capabilities: { add: ["NET_BIND_SERVICE", "CHOWN"], drop: ["ALL"] } })] }))],
    incidents: [],
  },
  {
    name: "a kubelet's pod status update is not a spec write (pods/status is not selected)",
    events: [
      ev(0, {
        username: "system:node:aks-nodepool1-38516731-vmss000001",
        groups: ["system:nodes", "system:authenticated"],
        verb: "patch",
        resource: "pods",
        subresource: "status",
        namespace: "default",
        name: "debug",
        level: "Request",
        requestObject: { spec: { containers: [nginx({ privileged: true })] } },
      }),
    ],
    incidents: [],
  },
];
