import { type DetectionFixture, ev, user } from "./fixture.js";

const RBAC = "rbac.authorization.k8s.io";
const MIN = 60;
const dev = user("dev@contoso.com", "203.0.113.9");
const ops = user("ops@contoso.com", "198.51.100.7");
const ciSa = {
  username: "system:serviceaccount:ci:deployer",
  groups: ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
  sourceIP: "10.244.1.17",
};
const readSecret = (namespace: string, name: string) => ({ verb: "get", resource: "secrets", namespace, name });
const exec = (namespace: string, pod: string, command = "sh") => ({
  verb: "create",
  resource: "pods",
  subresource: "exec",
  namespace,
  name: pod,
  stage: "ResponseStarted" as const,
  code: 101,
  requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/exec?command=${command}&container=app&stdin=true&stdout=true&tty=true`,
});
const clusterRole = (verb: string, name: string, rules: object[]) => ({
  verb,
  resource: "clusterroles",
  apiGroup: RBAC,
  name,
  level: "RequestResponse" as const,
  requestObject: { kind: "ClusterRole", metadata: { name }, rules },
  responseObject: { kind: "ClusterRole", metadata: { name }, rules },
});
const bindCluster = (name: string, role: string) => ({
  verb: "create",
  resource: "clusterrolebindings",
  apiGroup: RBAC,
  name,
  level: "RequestResponse" as const,
  requestObject: {
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: role },
    subjects: [{ kind: "User", name: "mallory@evil.example" }],
  },
});
const workload = (verb: string, resource: string, namespace: string, name: string, apiGroup = "apps") => ({
  verb,
  resource,
  apiGroup,
  namespace,
  name,
  level: "RequestResponse" as const,
});

export const positive: DetectionFixture[] = [
  {
    name: "the whole story: a secret read, then an exec into a pod ten minutes later (Medium)",
    events: [ev(0, { ...dev, ...readSecret("payments", "db-credentials") }), ev(10 * MIN, { ...dev, ...exec("payments", "api-7d9f8b6c5-x2x4q") })],
    incidents: [
      {
        severity: "Medium",
        actor: "dev@contoso.com",
        eventCount: 1,
        titleIncludes: [
          "dev@contoso.com read secrets, then exec'd into a pod: get secrets payments/db-credentials → exec pod payments/api-7d9f8b6c5-x2x4q (sh)",
        ],
        evidence: {
          precursors: ["2026-11-20T10:00:00.000Z get secrets payments/db-credentials"],
          followUps: ["2026-11-20T10:10:00.000Z exec pod payments/api-7d9f8b6c5-x2x4q (sh)"],
          sequence: ["secrets→exec"],
        },
      },
    ],
  },
  {
    name: "secrets listed across the cluster, then a ClusterRoleBinding: High",
    events: [ev(0, { ...dev, verb: "list", resource: "secrets" }), ev(3 * MIN, { ...dev, ...bindCluster("backdoor", "cluster-admin") })],
    incidents: [
      { severity: "High", titleIncludes: ["list secrets in all namespaces → create ClusterRoleBinding backdoor"], evidence: { sequence: ["secrets→binding"] } },
    ],
  },
  {
    name: "a sensitive ClusterRole change, then a Deployment created (Elastic's RBAC-then-workload, row 53): Medium",
    events: [
      ev(0, { ...dev, ...clusterRole("create", "pod-debugger", [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] }]) }),
      ev(2 * MIN, { ...dev, ...workload("create", "deployments", "payments", "debug-tools") }),
    ],
    incidents: [
      {
        severity: "Medium",
        evidence: { precursors: ["2026-11-20T10:00:00.000Z create ClusterRole pod-debugger (pods/exec)"], sequence: ["role→workload"] },
      },
    ],
  },
  {
    name: "a wildcard role change, then a DaemonSet patched: High",
    events: [
      ev(0, { ...dev, ...clusterRole("patch", "monitoring", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]) }),
      ev(4 * MIN, { ...dev, ...workload("patch", "daemonsets", "kube-system", "node-exporter") }),
    ],
    incidents: [{ severity: "High" }],
  },
  {
    name: "a secret read, then a CronJob created: the cronjob variant",
    events: [
      ev(0, { ...dev, ...readSecret("payments", "stripe-key") }),
      ev(5 * MIN, { ...dev, ...workload("create", "cronjobs", "payments", "exfil", "batch") }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["read secrets, then scheduled a CronJob"], evidence: { sequence: ["secrets→cronjob"] } }],
  },
  {
    name: "the precursor near the end of one window and the follow-up in the next: memory carries it across",
    events: [ev(25 * MIN, { ...dev, ...readSecret("payments", "db-credentials") }), ev(35 * MIN, { ...dev, ...exec("payments", "api-0") })],
    incidents: [{ severity: "Medium" }],
  },
  {
    name: "a service account reading another namespace's secret, then exec'ing",
    events: [ev(0, { ...ciSa, ...readSecret("payments", "db-credentials") }), ev(MIN, { ...ciSa, ...exec("payments", "api-0", "env") })],
    incidents: [{ severity: "Medium", actor: "system:serviceaccount:ci:deployer" }],
  },
  {
    name: "with anyRoleChange, a read-only role change followed by a Deployment counts",
    config: { "escalation-sequence": { anyRoleChange: true } },
    events: [
      ev(0, { ...dev, ...clusterRole("create", "pod-reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]) }),
      ev(MIN, { ...dev, ...workload("create", "deployments", "payments", "api") }),
    ],
    incidents: [{ severity: "Medium" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "the follow-up alone: an exec with no precursor",
    events: [ev(0, { ...dev, ...exec("payments", "api-0") })],
    incidents: [],
  },
  {
    name: "the precursor alone: a secret read",
    events: [ev(0, { ...dev, ...readSecret("payments", "db-credentials") })],
    incidents: [],
  },
  {
    name: "the follow-up before the precursor",
    events: [ev(0, { ...dev, ...exec("payments", "api-0") }), ev(MIN, { ...dev, ...readSecret("payments", "db-credentials") })],
    incidents: [],
  },
  {
    name: "the precursor outside the window (31 minutes before)",
    events: [ev(0, { ...dev, ...readSecret("payments", "db-credentials") }), ev(31 * MIN, { ...dev, ...exec("payments", "api-0") })],
    incidents: [],
  },
  {
    name: "precursor and follow-up by different actors",
    events: [ev(0, { ...dev, ...readSecret("payments", "db-credentials") }), ev(MIN, { ...ops, ...exec("payments", "api-0") })],
    incidents: [],
  },
  {
    name: "helm upgrade: Helm's release secrets read and listed, then the Deployment patched",
    events: [
      ev(0, {
        ...ops,
        verb: "list",
        resource: "secrets",
        namespace: "payments",
        requestURI: "/api/v1/namespaces/payments/secrets?labelSelector=name%3Dapi%2Cowner%3Dhelm",
      }),
      ev(1, { ...ops, ...readSecret("payments", "sh.helm.release.v1.api.v41") }),
      ev(5, { ...ops, ...workload("patch", "deployments", "payments", "api") }),
    ],
    incidents: [],
  },
  {
    name: "a service account reading its own namespace's secrets, then patching a Deployment there",
    events: [ev(0, { ...ciSa, ...readSecret("ci", "registry-credentials") }), ev(MIN, { ...ciSa, ...workload("patch", "deployments", "ci", "runner") })],
    incidents: [],
  },
  {
    name: "a read-only role change, then a Deployment (not a sensitive RBAC change)",
    events: [
      ev(0, { ...dev, ...clusterRole("create", "pod-reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]) }),
      ev(MIN, { ...dev, ...workload("create", "deployments", "payments", "api") }),
    ],
    incidents: [],
  },
  {
    name: "a refused secret read, then an exec",
    events: [ev(0, { ...dev, ...readSecret("payments", "db-credentials"), code: 403, decision: "forbid" }), ev(MIN, { ...dev, ...exec("payments", "api-0") })],
    incidents: [],
  },
  {
    name: "an actor allowlisted in the config",
    config: { "escalation-sequence": { allowActors: ["dev@contoso.com"] } },
    events: [ev(0, { ...dev, ...readSecret("payments", "db-credentials") }), ev(MIN, { ...dev, ...exec("payments", "api-0") })],
    incidents: [],
  },
  {
    name: "a role change logged without a body is not known to be sensitive, so it is not a precursor",
    events: [
      ev(0, { ...dev, verb: "patch", resource: "clusterroles", apiGroup: RBAC, name: "monitoring", level: "Metadata" }),
      ev(MIN, { ...dev, ...workload("create", "deployments", "payments", "api") }),
    ],
    incidents: [],
  },
];
