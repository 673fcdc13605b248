import { type DetectionFixture, ev, user } from "./fixture.js";

const many = (count: number, make: (i: number) => ReturnType<typeof ev>) => Array.from({ length: count }, (_, i) => make(i));
const forbidden = { code: 403, decision: "forbid" as const };
// A token of an app service account used from outside the cluster (Panther's AKS test: a 403 burst from 8.8.8.8).
const stolen = {
  username: "system:serviceaccount:payments:api",
  groups: ["system:serviceaccounts", "system:serviceaccounts:payments", "system:authenticated"],
};

export const positive: DetectionFixture[] = [
  {
    name: "ten refusals from a public address are Medium (Panther's 403 burst)",
    events: many(10, (i) =>
      ev(i * 60, {
        ...user("test-user", "8.8.8.8"),
        verb: "get",
        resource: "pods",
        namespace: "default",
        ...forbidden,
        userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
      }),
    ),
    incidents: [
      {
        severity: "Medium",
        actor: "test-user",
        eventCount: 10,
        titleIncludes: ["test-user was refused 10 requests from public address 8.8.8.8"],
        evidence: { sourceIp: "8.8.8.8", publicSource: true, refusals: 10, resources: ["pods"] },
      },
    ],
  },
  {
    name: "a stolen service-account token mapping what it may read from a private address is Low",
    events: ["secrets", "pods", "nodes", "configmaps", "roles", "namespaces", "serviceaccounts", "deployments", "daemonsets", "clusterroles"].map(
      (resource, i) => ev(i * 20, { ...stolen, sourceIP: "10.244.1.17", verb: "list", resource, ...forbidden, userAgent: "curl/8.5.0" }),
    ),
    incidents: [
      {
        severity: "Low",
        actor: stolen.username,
        titleIncludes: ["was refused 10 requests from 10.244.1.17"],
        evidence: { publicSource: false, refusedCreates: 0 },
      },
    ],
  },
  {
    name: "a single refused create is Medium (Elastic's forbidden creation request)",
    events: [
      ev(0, {
        ...user("dev@contoso.com", "10.1.0.5"),
        verb: "create",
        resource: "clusterrolebindings",
        apiGroup: "rbac.authorization.k8s.io",
        ...forbidden,
      }),
    ],
    incidents: [{ severity: "Medium", eventCount: 1, titleIncludes: ["dev@contoso.com was refused a create from 10.1.0.5"], evidence: { refusedCreates: 1 } }],
  },
  {
    name: "401s for an invalid token (no username in the audit event) are refusals too",
    events: many(10, (i) =>
      ev(i * 30, { username: "", groups: [], sourceIP: "203.0.113.50", verb: "get", resource: "secrets", namespace: "kube-system", code: 401 }),
    ),
    incidents: [{ severity: "Medium", titleIncludes: ["A client with no username was refused 10 requests from public address 203.0.113.50"] }],
  },
  {
    name: "a refused create inside a burst counts for both conditions",
    events: [
      ...many(9, (i) => ev(i, { ...user("dev@contoso.com", "10.1.0.5"), verb: "get", resource: "secrets", namespace: "kube-system", ...forbidden })),
      ev(20, { ...user("dev@contoso.com", "10.1.0.5"), verb: "create", resource: "pods", namespace: "kube-system", ...forbidden }),
    ],
    incidents: [{ severity: "Medium", eventCount: 10, titleIncludes: ["dev@contoso.com was refused 10 requests (1 of them a create) from 10.1.0.5"] }],
  },
  {
    name: "kube-system service accounts are not exempt: their tokens are stolen too (Panther's EKS coredns case)",
    events: many(10, (i) =>
      ev(i, {
        username: "system:serviceaccount:kube-system:coredns",
        groups: ["system:serviceaccounts", "system:authenticated"],
        sourceIP: "5.5.5.5",
        verb: "watch",
        resource: "endpointslices",
        apiGroup: "discovery.k8s.io",
        ...forbidden,
        userAgent: "Go-http-client/2.0",
      }),
    ),
    incidents: [{ severity: "Medium" }],
  },
  {
    name: "the threshold comes from the config",
    config: { "denied-requests": { deniedRequests: 3 } },
    events: many(3, (i) => ev(i, { ...user("dev@contoso.com", "10.1.0.5"), verb: "get", resource: "secrets", namespace: "kube-system", ...forbidden })),
    incidents: [{ severity: "Low" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "nine refusals from a public address",
    events: many(9, (i) => ev(i * 60, { ...user("test-user", "8.8.8.8"), verb: "get", resource: "pods", namespace: "default", ...forbidden })),
    incidents: [],
  },
  {
    name: "ten refusals spread over two windows",
    events: many(10, (i) => ev(i * 4 * 60, { ...user("test-user", "8.8.8.8"), verb: "get", resource: "pods", namespace: "default", ...forbidden })),
    incidents: [],
  },
  {
    name: "ten refusals of one identity from ten addresses: each source is its own count",
    events: many(10, (i) => ev(i, { ...user("dev@contoso.com", `198.51.100.${i + 1}`), verb: "get", resource: "pods", namespace: "default", ...forbidden })),
    incidents: [],
  },
  {
    name: "allowed requests and failures other than 401/403 (404, 409) are not refusals",
    events: [
      ...many(10, (i) => ev(i, { ...user("dev@contoso.com", "8.8.8.8"), verb: "get", resource: "pods", namespace: "default" })),
      ...many(10, (i) => ev(i, { ...user("dev@contoso.com", "8.8.8.8"), verb: "get", resource: "pods", namespace: "default", name: `gone-${i}`, code: 404 })),
      ev(30, { ...user("dev@contoso.com", "8.8.8.8"), verb: "create", resource: "configmaps", namespace: "default", name: "app", code: 409 }),
    ],
    incidents: [],
  },
  {
    name: "anonymous refusals are anonymous-access's, not reported twice",
    events: many(12, (i) =>
      ev(i, { username: "system:anonymous", groups: ["system:unauthenticated"], sourceIP: "203.0.113.9", verb: "get", requestURI: `/api/v1/p${i}`, code: 403 }),
    ),
    incidents: [],
  },
  {
    name: "kubelets refused by the node authorizer while a pod is being bound (allowlisted)",
    events: many(12, (i) =>
      ev(i, {
        username: "system:node:aks-nodepool1-38516731-vmss000001",
        groups: ["system:nodes", "system:authenticated"],
        verb: "get",
        resource: "secrets",
        namespace: "payments",
        name: `s${i}`,
        ...forbidden,
        reason: 'no relationship found between node "aks-nodepool1-38516731-vmss000001" and this object',
      }),
    ),
    incidents: [],
  },
  {
    name: "a component refused recording Events is routine, not a forbidden create",
    events: [ev(0, { ...stolen, verb: "create", resource: "events", namespace: "payments", ...forbidden })],
    incidents: [],
  },
  {
    name: "health probes are ignored by user agent",
    events: many(12, (i) =>
      ev(i, { username: "probe", sourceIP: "10.224.0.4", verb: "get", resource: "pods", namespace: "default", ...forbidden, userAgent: "kube-probe/1.29" }),
    ),
    incidents: [],
  },
  {
    name: "allowActors silences a known misconfigured workload",
    config: { "denied-requests": { allowActors: ["system:serviceaccount:payments:*"] } },
    events: many(12, (i) => ev(i, { ...stolen, sourceIP: "8.8.8.8", verb: "create", resource: "pods", namespace: "payments", ...forbidden })),
    incidents: [],
  },
];
