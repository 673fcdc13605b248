import { type DetectionFixture, ev, user } from "./fixture.js";

const RBAC = "rbac.authorization.k8s.io";
const forbidden = { code: 403, decision: "forbid" as const };
const sa = (namespace: string, name: string) => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
});
/** The lists a recon script or `peirates` runs with a token: cluster-wide kinds first, then the namespace. */
const recon = [
  { resource: "namespaces" },
  { resource: "nodes" },
  { resource: "pods", namespace: "payments" },
  { resource: "clusterrolebindings", apiGroup: RBAC },
  { resource: "serviceaccounts", namespace: "payments" },
  { resource: "secrets", namespace: "payments" },
];

export const positive: DetectionFixture[] = [
  {
    name: "a service account token listing six kinds in two minutes is Medium",
    events: recon.map((r, i) =>
      ev(i * 20, { ...sa("payments", "api"), sourceIP: "10.244.2.31", verb: "list", ...r, userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46" }),
    ),
    incidents: [
      {
        severity: "Medium",
        actor: "system:serviceaccount:payments:api",
        eventCount: 6,
        titleIncludes: ["system:serviceaccount:payments:api read 6 kinds of object from 10.244.2.31"],
        evidence: { variant: "discovery", distinctResources: 6 },
      },
    ],
  },
  {
    name: "a user getting and listing five kinds is Low",
    events: [
      ev(0, { ...user("dev@contoso.com"), verb: "get", resource: "nodes", name: "aks-nodepool1-38516731-vmss000000" }),
      ev(10, { ...user("dev@contoso.com"), verb: "list", resource: "namespaces" }),
      ev(20, { ...user("dev@contoso.com"), verb: "list", resource: "clusterroles", apiGroup: RBAC }),
      ev(30, { ...user("dev@contoso.com"), verb: "get", resource: "configmaps", namespace: "kube-system", name: "coredns" }),
      ev(40, { ...user("dev@contoso.com"), verb: "list", resource: "rolebindings", apiGroup: RBAC, namespace: "payments" }),
    ],
    incidents: [{ severity: "Low", actor: "dev@contoso.com", titleIncludes: ["dev@contoso.com read 5 kinds of object"] }],
  },
  {
    name: "refused on four kinds is Medium, whatever the kinds (Elastic AKS API enumeration)",
    events: ["secrets", "deployments", "daemonsets", "clusterroles"].map((resource, i) =>
      ev(i * 30, { ...sa("payments", "api"), sourceIP: "10.244.2.31", verb: "list", resource, ...forbidden, userAgent: "curl/8.5.0" }),
    ),
    incidents: [{ severity: "Medium", titleIncludes: ["was refused on 4 kinds of object"], evidence: { variant: "denied", distinctResources: 4 } }],
  },
  {
    name: "allowed and refused mapping by one token are two incidents",
    events: [
      ...recon.map((r, i) => ev(i, { ...sa("payments", "api"), sourceIP: "10.244.2.31", verb: "list", ...r })),
      ...["deployments", "daemonsets", "roles", "cronjobs"].map((resource, i) =>
        ev(30 + i, { ...sa("payments", "api"), sourceIP: "10.244.2.31", verb: "list", resource, namespace: "kube-system", ...forbidden }),
      ),
    ],
    incidents: [
      { severity: "Medium", titleIncludes: ["read 6 kinds"] },
      { severity: "Medium", titleIncludes: ["was refused on 4 kinds"] },
    ],
  },
  {
    name: "Elastic's threshold of three kinds, from the config",
    config: { "api-discovery": { distinctResources: 3 } },
    events: recon.slice(0, 3).map((r, i) => ev(i, { ...user("dev@contoso.com"), verb: "list", ...r })),
    incidents: [{ severity: "Low" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "four kinds read by a user",
    events: recon.slice(0, 4).map((r, i) => ev(i, { ...user("dev@contoso.com"), verb: "list", ...r })),
    incidents: [],
  },
  {
    name: "the same six kinds spread over two windows",
    events: recon.map((r, i) => ev(i * 4 * 60, { ...user("dev@contoso.com"), verb: "list", ...r })),
    incidents: [],
  },
  {
    name: "a service account's gets of named objects are routine, not enumeration",
    events: recon.map((r, i) => ev(i, { ...sa("payments", "api"), verb: "get", ...r, name: "x" })),
    incidents: [],
  },
  {
    name: "`kubectl get all` lists many workload kinds but only pods of the orientation set",
    events: ["pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets", "jobs", "cronjobs"].map((resource, i) =>
      ev(i, { ...user("dev@contoso.com"), verb: "list", resource, namespace: "payments" }),
    ),
    incidents: [],
  },
  {
    name: "aksService reads many kinds with kubectl (real Sysdig AKS sample): allowlisted",
    events: ["storageclasses", "serviceaccounts", "configmaps", "clusterrolebindings", "namespaces", "nodes"].map((resource, i) =>
      ev(i, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        sourceIP: "172.31.9.219",
        verb: "list",
        resource,
        userAgent: "kubectl/v1.13.2 (linux/amd64) kubernetes/cff46ab",
      }),
    ),
    incidents: [],
  },
  {
    name: "kube-system controllers and AKS add-on operators list many kinds when they start",
    events: [
      ...recon.map((r, i) => ev(i, { ...sa("kube-system", "ama-logs"), verb: "list", ...r })),
      ...recon.map((r, i) => ev(i, { ...sa("gatekeeper-system", "gatekeeper-admin"), verb: "list", ...r })),
    ],
    incidents: [],
  },
  {
    name: "kubelets are not reported: nodes list pods and nodes by design",
    events: recon.map((r, i) =>
      ev(i, { username: "system:node:aks-nodepool1-38516731-vmss000000", groups: ["system:nodes", "system:authenticated"], verb: "list", ...r, ...forbidden }),
    ),
    incidents: [],
  },
  {
    name: "a Helm upgrade reading releases and objects is skipped by user agent",
    events: recon.map((r, i) => ev(i, { ...user("ci@contoso.com"), verb: "list", ...r, userAgent: "Helm/3.14.0" })),
    incidents: [],
  },
  {
    name: "three refused kinds",
    events: ["secrets", "deployments", "roles"].map((resource, i) =>
      ev(i, { ...sa("payments", "api"), verb: "list", resource, namespace: "kube-system", ...forbidden }),
    ),
    incidents: [],
  },
  {
    name: "an operator named in allowActors",
    config: { "api-discovery": { allowActors: ["system:serviceaccount:argocd:*"] } },
    events: recon.map((r, i) => ev(i, { ...sa("argocd", "argocd-application-controller"), verb: "list", ...r })),
    incidents: [],
  },
];
