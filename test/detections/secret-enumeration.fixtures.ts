import { type DetectionFixture, ev, user } from "./fixture.js";

const secret = (namespace: string, name?: string) => ({ resource: "secrets", namespace, ...(name ? { name } : {}) });
const many = (count: number, make: (i: number) => ReturnType<typeof ev>) => Array.from({ length: count }, (_, i) => make(i));

export const positive: DetectionFixture[] = [
  {
    name: "listing secrets across all namespaces is High at once",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "list", resource: "secrets", requestURI: "/api/v1/secrets?limit=500" })],
    incidents: [{ severity: "High", actor: "dev@contoso.com", titleIncludes: ["listed secrets in all namespaces"], evidence: { clusterWideReads: 1 } }],
  },
  {
    name: "watching secrets cluster-wide is the same dump",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "watch", resource: "secrets", requestURI: "/api/v1/secrets?watch=true" })],
    incidents: [{ severity: "High" }],
  },
  {
    name: "reading secrets in four namespaces within the window is High",
    events: ["a", "b", "c", "d"].map((ns, i) => ev(i * 60, { ...user("dev@contoso.com"), verb: "list", ...secret(ns) })),
    incidents: [{ severity: "High", titleIncludes: ["read secrets in 4 namespaces"], evidence: { namespaces: ["a", "b", "c", "d"] } }],
  },
  {
    name: "ten distinct secrets read one by one in a namespace is Medium",
    events: many(10, (i) => ev(i * 30, { ...user("dev@contoso.com"), verb: "get", ...secret("payments", `s${i}`) })),
    incidents: [{ severity: "Medium", eventCount: 10, titleIncludes: ["read 10 distinct secrets"], evidence: { distinctSecrets: 10 } }],
  },
  {
    name: "twenty refused secret reads are Medium",
    events: many(20, (i) => ev(i * 10, { ...user("intruder@contoso.com"), verb: "get", ...secret("kube-system", `s${i % 3}`), code: 403, decision: "forbid" })),
    incidents: [{ severity: "Medium", titleIncludes: ["was refused 20 secret reads"], evidence: { deniedReads: 20 } }],
  },
  {
    name: "a kubelet listing all secrets is not a single-object read: reported",
    events: [
      ev(0, {
        username: "system:node:aks-nodepool1-1-vmss000000",
        groups: ["system:nodes", "system:authenticated"],
        verb: "list",
        resource: "secrets",
        requestURI: "/api/v1/secrets",
      }),
    ],
    incidents: [{ severity: "High" }],
  },
  {
    name: "masterclient is a person's admin credential, not an AKS identity",
    events: [
      ev(0, { username: "masterclient", groups: ["system:masters", "system:authenticated"], verb: "list", resource: "secrets", requestURI: "/api/v1/secrets" }),
    ],
    incidents: [{ severity: "High", actor: "masterclient" }],
  },
  {
    name: "listing every secret of kube-system is High (Elastic's sensitive-namespace dump)",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "list", ...secret("kube-system"), requestURI: "/api/v1/namespaces/kube-system/secrets?limit=500" })],
    incidents: [{ severity: "High", titleIncludes: ["listed every secret of kube-system"], evidence: { sensitiveNamespaceLists: ["kube-system"] } }],
  },
  {
    name: "with reportNamespaceLists on, one list of a namespace's secrets is Low (Sigma's secrets_enumeration)",
    config: { "secret-enumeration": { reportNamespaceLists: true } },
    events: [ev(0, { ...user("dev@contoso.com"), verb: "list", ...secret("payments") })],
    incidents: [{ severity: "Low", titleIncludes: ["listed the secrets of payments"] }],
  },
  {
    name: "sensitive namespaces come from the config",
    config: { "secret-enumeration": { sensitiveNamespaces: ["kube-system", "default"] } },
    events: [ev(0, { ...user("dev@contoso.com"), verb: "watch", ...secret("default"), requestURI: "/api/v1/namespaces/default/secrets?watch=true" })],
    incidents: [{ severity: "High", evidence: { sensitiveNamespaceLists: ["default"] } }],
  },
  {
    name: "thresholds come from the config",
    config: { "secret-enumeration": { distinctSecrets: 3 } },
    events: many(3, (i) => ev(i, { ...user("dev@contoso.com"), verb: "get", ...secret("payments", `s${i}`) })),
    incidents: [{ severity: "Medium" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "nine distinct secrets in one namespace",
    events: many(9, (i) => ev(i * 30, { ...user("dev@contoso.com"), verb: "get", ...secret("payments", `s${i}`) })),
    incidents: [],
  },
  {
    name: "the same secret read fifty times",
    events: many(50, (i) => ev(i, { ...user("app@contoso.com"), verb: "get", ...secret("payments", "db") })),
    incidents: [],
  },
  {
    name: "one list of a namespace's secrets (kubectl get secrets -n payments) is routine by default",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "list", ...secret("payments") })],
    incidents: [],
  },
  {
    name: "reading one named secret of kube-system is not a dump of kube-system",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "get", ...secret("kube-system", "azure-cloud-provider") })],
    incidents: [],
  },
  {
    name: "reads in three namespaces",
    events: ["a", "b", "c"].map((ns, i) => ev(i, { ...user("dev@contoso.com"), verb: "list", ...secret(ns) })),
    incidents: [],
  },
  {
    name: "ten secrets spread over two windows",
    events: many(10, (i) => ev(i * 4 * 60, { ...user("dev@contoso.com"), verb: "get", ...secret("payments", `s${i}`) })),
    incidents: [],
  },
  {
    name: "kube-controller-manager lists every secret by design",
    events: [ev(0, { username: "system:kube-controller-manager", verb: "list", resource: "secrets", requestURI: "/api/v1/secrets?limit=500" })],
    incidents: [],
  },
  {
    name: "kubelets watch their pods' secrets one by one through the node authorizer",
    events: many(12, (i) =>
      ev(i, {
        username: "system:node:aks-nodepool1-1-vmss000000",
        groups: ["system:nodes", "system:authenticated"],
        verb: "watch",
        resource: "secrets",
        namespace: `ns${i}`,
        requestURI: `/api/v1/namespaces/ns${i}/secrets?fieldSelector=metadata.name%3Ds${i}&watch=true`,
      }),
    ),
    incidents: [],
  },
  {
    name: "kube-system controllers and helm release secrets",
    events: [
      ...many(12, (i) => ev(i, { username: "system:serviceaccount:kube-system:generic-garbage-collector", verb: "list", ...secret(`ns${i}`) })),
      ...many(12, (i) => ev(i, { ...user("dev@contoso.com"), verb: "get", ...secret("payments", `sh.helm.release.v1.api.v${i}`) })),
    ],
    incidents: [],
  },
  {
    name: "writes to secrets are not reads",
    events: many(12, (i) => ev(i, { ...user("dev@contoso.com"), verb: "create", ...secret(`ns${i}`, `s${i}`) })),
    incidents: [],
  },
];
