import { type DetectionFixture, ev, user } from "./fixture.js";

// Tools built on client-go send `<binary>/<version> (<os>/<arch>) kubernetes/<commit>`; unreleased builds say v0.0.0 and $Format.
const RAKKESS = "kubectl-access_matrix/v0.0.0 (linux/amd64) kubernetes/$Format";
const PEIRATES = "peirates/v0.0.0 (linux/amd64) kubernetes/$Format";
const KDIGGER = "kdigger/v0.0.0 (linux/amd64) kubernetes/$Format";
const forbidden = { code: 403, decision: "forbid" as const };
const stolen = {
  username: "system:serviceaccount:payments:api",
  groups: ["system:serviceaccounts", "system:serviceaccounts:payments", "system:authenticated"],
  sourceIP: "10.244.2.31",
};

export const positive: DetectionFixture[] = [
  {
    name: "peirates with a stolen token, allowed, is High",
    events: [
      ev(0, { ...stolen, verb: "list", resource: "secrets", namespace: "payments", userAgent: PEIRATES }),
      ev(5, { ...stolen, verb: "list", resource: "pods", namespace: "kube-system", userAgent: PEIRATES, ...forbidden }),
    ],
    incidents: [
      {
        severity: "High",
        actor: stolen.username,
        eventCount: 2,
        titleIncludes: ["Attack tool peirates used by system:serviceaccount:payments:api: 2 request(s), 1 allowed"],
        evidence: { tool: "peirates", allowed: 1, refused: 1, scanner: false },
      },
    ],
  },
  {
    name: "rakkess (kubectl access-matrix, Sigma's access_matrix) refused everywhere is Medium",
    events: ["pods", "secrets", "deployments"].map((resource, i) =>
      ev(i, { ...user("contractor@contoso.com", "198.51.100.20"), verb: "list", resource, namespace: "kube-system", userAgent: RAKKESS, ...forbidden }),
    ),
    incidents: [{ severity: "Medium", titleIncludes: ["Attack tool rakkess (kubectl access-matrix)", "all refused"], evidence: { allowed: 0 } }],
  },
  {
    name: "kdigger exec'ing into a pod is reported as container administration (T1609) too",
    events: [
      ev(0, {
        ...stolen,
        verb: "create",
        resource: "pods",
        subresource: "exec",
        namespace: "payments",
        name: "api-7d9f",
        requestURI: "/api/v1/namespaces/payments/pods/api-7d9f/exec?command=id&container=api&stdout=true",
        code: 101,
        userAgent: KDIGGER,
      }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["kdigger"], evidence: { execIntoPod: true } }],
  },
  {
    name: "the marker is matched case-insensitively anywhere in the agent (TruffleHog)",
    events: [
      ev(0, {
        ...user("ci@contoso.com"),
        verb: "get",
        resource: "secrets",
        namespace: "payments",
        name: "db",
        userAgent: "TruffleHog/3.63.2 (+https://trufflesecurity.com)",
      }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["TruffleHog"] }],
  },
  {
    name: "anonymous scans by a tool are named too",
    events: [
      ev(0, {
        username: "system:anonymous",
        groups: ["system:unauthenticated"],
        sourceIP: "203.0.113.9",
        verb: "get",
        requestURI: "/api/v1/pods",
        code: 403,
        userAgent: "kube-hunter/0.6.8",
      }),
    ],
    incidents: [{ severity: "Medium", actor: "system:anonymous" }],
  },
  {
    name: "scanners are Low when reportScanners is on",
    config: { "attack-tool-user-agent": { reportScanners: true } },
    events: [
      ev(0, {
        ...user("secops@contoso.com"),
        verb: "list",
        resource: "clusterroles",
        apiGroup: "rbac.authorization.k8s.io",
        userAgent: "kubescape/v3.0.3 (linux/amd64) kubernetes/$Format",
      }),
    ],
    incidents: [{ severity: "Low", titleIncludes: ["Scanner kubescape"] }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "kubectl and controllers",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "list",
        resource: "secrets",
        namespace: "payments",
        userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
      }),
      ev(1, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        verb: "update",
        resource: "leases",
        apiGroup: "coordination.k8s.io",
        namespace: "kube-system",
        name: "kube-controller-manager",
        userAgent: "kube-controller-manager/v1.29.10 (linux/amd64) kubernetes/f0c1ea8/leader-election",
      }),
    ],
    incidents: [],
  },
  {
    name: "a benign scanner with reportScanners off (the default)",
    events: [ev(0, { ...user("secops@contoso.com"), verb: "list", resource: "pods", userAgent: "kubescape/v3.0.3 (linux/amd64) kubernetes/$Format" })],
    incidents: [],
  },
  {
    name: "a sanctioned red-team run muted with ignoreMarkers",
    config: { "attack-tool-user-agent": { ignoreMarkers: ["peirates"] } },
    events: [ev(0, { ...stolen, verb: "list", resource: "secrets", namespace: "payments", userAgent: PEIRATES })],
    incidents: [],
  },
  {
    name: "cdk8s, a benign generator, is not the CDK exploitation kit",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "create", resource: "configmaps", namespace: "payments", userAgent: "cdk8s-cli/2.1.0 node-fetch/1.0" })],
    incidents: [],
  },
];
