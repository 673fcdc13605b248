import { type DetectionFixture, ev } from "./fixture.js";

const DAY = 24 * 60 * 60;
const KUBECTL = "kubectl/v1.30.1 (linux/amd64) kubernetes/6911225";
const OFFICE = "198.51.100.7";
const alice = (sourceIP = OFFICE, userAgent = KUBECTL) => ({
  username: "alice@contoso.com",
  groups: ["5f3b8f0e-9d4c-4c1e-a8a7-1f9d2b3c4d5e", "system:authenticated"],
  sourceIP,
  userAgent,
});
const bob = (sourceIP: string) => ({ username: "bob@contoso.com", groups: ["system:authenticated"], sourceIP, userAgent: KUBECTL });
const api = (sourceIP: string, userAgent = "payments-api/2.4.1 (linux/amd64) kubernetes/$Format") => ({
  username: "system:serviceaccount:payments:api",
  groups: ["system:serviceaccounts", "system:serviceaccounts:payments", "system:authenticated"],
  sourceIP,
  userAgent,
});
const readSecret = (name = "db") => ({ verb: "get", resource: "secrets", namespace: "payments", name });
/** Day 1 of the baseline: alice reads secrets and execs from the office with kubectl. */
const learning = [
  ev(0, { ...alice(), ...readSecret() }),
  ev(3600, { ...alice("198.51.100.23"), verb: "get", resource: "pods", subresource: "exec", namespace: "payments", name: "api-7d9f", code: 101 }),
  ev(DAY, { ...alice(), ...readSecret("api-key") }),
];

export const positive: DetectionFixture[] = [
  {
    name: "the whole story: learned on day 1, a secret read from a new network on day 9 is Medium",
    events: [...learning, ev(8 * DAY, { ...alice("203.0.113.50"), ...readSecret() })],
    incidents: [
      {
        severity: "Medium",
        actor: "alice@contoso.com",
        eventCount: 1,
        titleIncludes: ["alice@contoso.com used new network 203.0.113.0/24 for sensitive requests: get secrets in payments db"],
        evidence: { newNetworks: ["203.0.113.0/24"], newUserAgents: [], sourceIps: ["203.0.113.50"] },
      },
    ],
  },
  {
    name: "a new client from the known network (python-requests instead of kubectl)",
    events: [...learning, ev(9 * DAY, { ...alice(OFFICE, "python-requests/2.31.0"), verb: "list", resource: "secrets", namespace: "payments" })],
    incidents: [{ severity: "Medium", titleIncludes: ["used new client python-requests"], evidence: { newUserAgents: ["python-requests"], newNetworks: [] } }],
  },
  {
    name: "new network and new platform together, several requests in one incident",
    events: [
      ...learning,
      ev(9 * DAY, { ...alice("203.0.113.50", "kubectl/v1.31.2 (windows/amd64) kubernetes/5864a46"), ...readSecret() }),
      ev(9 * DAY + 60, {
        ...alice("203.0.113.50", "kubectl/v1.31.2 (windows/amd64) kubernetes/5864a46"),
        verb: "create",
        resource: "clusterrolebindings",
        apiGroup: "rbac.authorization.k8s.io",
        name: "backdoor",
      }),
    ],
    incidents: [{ severity: "Medium", eventCount: 2, titleIncludes: ["new network 203.0.113.0/24 and new client kubectl (windows/amd64)"] }],
  },
  {
    name: "a new network is news once: the next day it is known",
    events: [...learning, ev(9 * DAY, { ...alice("203.0.113.50"), ...readSecret() }), ev(10 * DAY, { ...alice("203.0.113.50"), ...readSecret("api-key") })],
    incidents: [{ severity: "Medium", eventCount: 1, titleIncludes: ["get secrets in payments db"] }],
  },
  {
    name: "a service account's token used from a public address after learning inside the cluster",
    events: [
      ev(0, { ...api("10.244.1.17"), ...readSecret() }),
      // Its pod moved to another node (another pod /24): still the pod network.
      ev(2 * DAY, { ...api("10.244.3.9"), ...readSecret() }),
      ev(10 * DAY, { ...api("198.51.100.99", KUBECTL), verb: "patch", resource: "deployments", apiGroup: "apps", namespace: "payments", name: "api" }),
    ],
    incidents: [
      {
        severity: "Medium",
        actor: "system:serviceaccount:payments:api",
        titleIncludes: ["new network 198.51.100.0/24 and new client kubectl (linux/amd64)", "patch deployments in payments api"],
      },
    ],
  },
  {
    name: "a workload change by a new client after learning (Elastic's unusual sensitive workload modification)",
    events: [
      ev(0, { ...alice(), verb: "patch", resource: "daemonsets", apiGroup: "apps", namespace: "monitoring", name: "node-exporter" }),
      ev(8 * DAY, { ...alice(OFFICE, "curl/8.5.0"), verb: "create", resource: "cronjobs", apiGroup: "batch", namespace: "monitoring", name: "cleanup" }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["new client curl"] }],
  },
  {
    name: "a refused sensitive request from a new network is reported, refused",
    events: [
      ...learning,
      ev(9 * DAY, { ...alice("203.0.113.50"), verb: "list", resource: "secrets", namespace: "kube-system", code: 403, decision: "forbid" }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["list secrets in kube-system → 403"] }],
  },
  {
    name: "networks compared at a coarser prefix from the config",
    config: { "first-seen-access": { v4Prefix: 16 } },
    events: [...learning, ev(9 * DAY, { ...alice("198.52.0.4"), ...readSecret() })],
    incidents: [{ severity: "Medium", titleIncludes: ["new network 198.52.0.0/16"] }],
  },
  {
    name: "a one-day learning period from the config",
    config: { "first-seen-access": { learningDays: 1 } },
    events: [ev(0, { ...alice(), ...readSecret() }), ev(DAY + 60, { ...alice("203.0.113.50"), ...readSecret() })],
    incidents: [{ severity: "Medium" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "the learning alone",
    events: learning,
    incidents: [],
  },
  {
    name: "a new network within the learning period",
    events: [...learning, ev(3 * DAY, { ...alice("203.0.113.50"), ...readSecret() }), ev(5 * DAY, { ...alice("192.0.2.10", "curl/8.5.0"), ...readSecret() })],
    incidents: [],
  },
  {
    name: "the known client and network after learning, from another address of the same /24",
    events: [...learning, ev(9 * DAY, { ...alice("198.51.100.200"), ...readSecret() })],
    incidents: [],
  },
  {
    name: "a kubectl upgrade is not a new client",
    events: [...learning, ev(9 * DAY, { ...alice(OFFICE, "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"), ...readSecret() })],
    incidents: [],
  },
  {
    name: "another identity's baseline: bob's first sensitive request starts his own learning",
    events: [...learning, ev(9 * DAY, { ...bob("203.0.113.50"), ...readSecret() })],
    incidents: [],
  },
  {
    name: "a new network for requests that are not sensitive (listing pods, reading a configmap)",
    events: [
      ...learning,
      ev(9 * DAY, { ...alice("203.0.113.50"), verb: "list", resource: "pods", namespace: "payments" }),
      ev(9 * DAY + 1, { ...alice("203.0.113.50"), verb: "get", resource: "configmaps", namespace: "payments", name: "app" }),
    ],
    incidents: [],
  },
  {
    name: "a service account's pod moving between nodes' pod ranges",
    events: [ev(0, { ...api("10.244.1.17"), ...readSecret() }), ev(9 * DAY, { ...api("10.244.7.40"), ...readSecret() })],
    incidents: [],
  },
  {
    name: "kube-system controllers are not baselined",
    events: [
      ev(0, { ...api("10.244.1.17"), username: "system:serviceaccount:kube-system:ama-logs", ...readSecret() }),
      ev(9 * DAY, { ...api("52.141.212.165", KUBECTL), username: "system:serviceaccount:kube-system:ama-logs", ...readSecret() }),
    ],
    incidents: [],
  },
  {
    name: "refused requests do not teach: a known network stays the only one, and an unseen identity is never compared",
    events: [ev(0, { ...bob("203.0.113.50"), ...readSecret(), code: 403, decision: "forbid" }), ev(9 * DAY, { ...bob("192.0.2.10"), ...readSecret() })],
    incidents: [],
  },
  {
    name: "the same /16 with a coarser prefix from the config",
    config: { "first-seen-access": { v4Prefix: 16 } },
    events: [...learning, ev(9 * DAY, { ...alice("198.51.7.4"), ...readSecret() })],
    incidents: [],
  },
];
