import { type DetectionFixture, ev, user } from "./fixture.js";

const secret = (namespace: string, name?: string) => ({ resource: "secrets", namespace, ...(name ? { name } : {}) });
const sa = (namespace: string, name: string, userAgent = "app/1.4.2 (linux/amd64) kubernetes/v0.29.3") => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  sourceIP: "10.244.1.23",
  userAgent,
});
const node = { username: "system:node:aks-nodepool1-12345678-vmss000001", groups: ["system:nodes", "system:authenticated"], sourceIP: "10.224.0.5" };
const curl = { userAgent: "curl/8.5.0" };

export const positive: DetectionFixture[] = [
  {
    name: "a secret read with curl (a stolen kubeconfig or token used by hand) is Medium; AKS logs secrets at Metadata level, which is all this needs",
    events: [ev(0, { ...user("dev@contoso.com"), ...curl, verb: "get", ...secret("payments", "db-credentials") })],
    incidents: [
      {
        severity: "Medium",
        actor: "dev@contoso.com",
        titleIncludes: ["read secret payments/db-credentials: scripting or HTTP client"],
        evidence: { variants: ["scriptingClient"], secrets: ["payments/db-credentials"] },
      },
    ],
  },
  {
    name: "python and Go default clients listing a namespace's secrets are scripting clients too",
    events: [
      ev(0, { ...user("dev@contoso.com"), userAgent: "python-requests/2.31.0", verb: "list", ...secret("payments") }),
      ev(1, { ...user("ops@contoso.com"), userAgent: "Go-http-client/2.0", verb: "get", ...secret("web", "tls-cert") }),
    ],
    incidents: [
      { severity: "Medium", actor: "dev@contoso.com", evidence: { variants: ["scriptingClient"], secrets: ["payments/*"] } },
      { severity: "Medium", actor: "ops@contoso.com", evidence: { variants: ["scriptingClient"] } },
    ],
  },
  {
    name: "a pod's token used with curl to read its own namespace's secret: the client gives it away (Medium)",
    events: [ev(0, { ...sa("web", "frontend", "curl/7.88.1"), verb: "get", ...secret("web", "api-key") })],
    incidents: [{ severity: "Medium", evidence: { variants: ["scriptingClient"] } }],
  },
  {
    name: "a workload's service account reading another namespace's secret is Medium",
    events: [ev(0, { ...sa("web", "frontend"), verb: "get", ...secret("payments", "db-credentials") })],
    incidents: [{ severity: "Medium", titleIncludes: ["service account outside its namespace"], evidence: { variants: ["crossNamespace"] } }],
  },
  {
    name: "the Azure Arc proxy service account reading an app namespace's secret is cross-namespace (Elastic's row 27)",
    events: [ev(0, { ...sa("azure-arc", "azure-arc-kube-aad-proxy-sa"), verb: "get", ...secret("payments", "db-credentials") })],
    incidents: [{ severity: "Medium", evidence: { variants: ["crossNamespace"] } }],
  },
  {
    name: "a workload's service account listing its own namespace's secrets is Low",
    events: [ev(0, { ...sa("web", "frontend"), verb: "list", ...secret("web") })],
    incidents: [
      { severity: "Low", titleIncludes: ["read all secrets of web: service account listing secrets"], evidence: { variants: ["serviceAccountList"] } },
    ],
  },
  {
    name: "a node listing a namespace's secrets (not one secret of its pods) is Medium",
    events: [ev(0, { ...node, userAgent: "kubelet/v1.29.4 (linux/amd64) kubernetes/2c7e6f4", verb: "list", ...secret("payments") })],
    incidents: [{ severity: "Medium", actor: node.username, evidence: { variants: ["nodeRead"] } }],
  },
  {
    name: "the highest variant wins, and one incident lists every read of the actor in the window",
    events: [
      ev(0, { ...sa("web", "frontend"), verb: "list", ...secret("web") }),
      ev(60, { ...sa("web", "frontend"), verb: "get", ...secret("payments", "db-credentials") }),
    ],
    incidents: [{ severity: "Medium", eventCount: 2, evidence: { variants: ["serviceAccountList", "crossNamespace"] } }],
  },
  {
    name: "with reportOwnNamespaceReads, a service account reading one secret of its own namespace is Low",
    config: { "secret-access": { reportOwnNamespaceReads: true } },
    events: [ev(0, { ...sa("web", "frontend"), verb: "get", ...secret("web", "api-key") })],
    incidents: [{ severity: "Low", evidence: { variants: ["ownNamespace"] } }],
  },
  {
    name: "with reportEveryRead, every get is Informational, allowed or refused (Falco's audit trail)",
    config: { "secret-access": { reportEveryRead: true } },
    events: [
      ev(0, { ...user("dev@contoso.com"), verb: "get", ...secret("payments", "db-credentials") }),
      ev(1, { ...user("dev@contoso.com"), verb: "get", ...secret("kube-system", "bootstrap-token-abcdef"), code: 403 }),
    ],
    incidents: [
      {
        severity: "Informational",
        eventCount: 2,
        evidence: { variants: ["everyRead"], reads: ["get payments/db-credentials", "get kube-system/bootstrap-token-abcdef (refused, 403)"] },
      },
    ],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a person reading a secret with kubectl",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "get", ...secret("payments", "db-credentials") })],
    incidents: [],
  },
  {
    name: "kubelets read and watch their pods' secrets one by one through the node authorizer",
    events: [
      ev(0, { ...node, verb: "get", ...secret("payments", "db-credentials") }),
      ev(1, {
        ...node,
        verb: "watch",
        ...secret("web"),
        requestURI: "/api/v1/namespaces/web/secrets?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dapi-key&watch=true",
      }),
    ],
    incidents: [],
  },
  {
    name: "an app reading its own namespace's secret (its config) is routine by default",
    events: [ev(0, { ...sa("web", "frontend"), verb: "get", ...secret("web", "api-key") })],
    incidents: [],
  },
  {
    name: "operators that read secrets by design (flux, cert-manager) and kube-system controllers",
    events: [
      ev(0, { ...sa("flux-system", "kustomize-controller"), verb: "list", ...secret("payments") }),
      ev(1, { ...sa("cert-manager", "cert-manager"), verb: "get", ...secret("web", "tls-cert") }),
      ev(2, { ...sa("kube-system", "csi-secrets-store-provider-azure"), verb: "get", ...secret("payments", "db-credentials") }),
    ],
    incidents: [],
  },
  {
    name: "a cluster-wide list is secret-enumeration's, not this detection's",
    events: [ev(0, { ...user("dev@contoso.com"), ...curl, verb: "list", resource: "secrets", requestURI: "/api/v1/secrets" })],
    incidents: [],
  },
  {
    name: "a refused read with curl, and a helm release read with curl (reportEveryRead off)",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...curl, verb: "get", ...secret("payments", "db-credentials"), code: 403 }),
      ev(1, { ...user("dev@contoso.com"), ...curl, verb: "get", ...secret("payments", "sh.helm.release.v1.api.v7") }),
    ],
    incidents: [],
  },
  {
    name: "writes to secrets are not reads",
    events: [ev(0, { ...sa("web", "frontend", "curl/8.5.0"), verb: "create", ...secret("payments", "x") })],
    incidents: [],
  },
  {
    name: "an operator allowlisted in the config",
    config: { "secret-access": { operatorServiceAccounts: ["system:serviceaccount:ci:deployer"] } },
    events: [ev(0, { ...sa("ci", "deployer"), verb: "get", ...secret("payments", "db-credentials") })],
    incidents: [],
  },
];
