import { type DetectionFixture, ev, user } from "./fixture.js";

const AUTHZ = "authorization.k8s.io";
const sa = (namespace: string, name: string) => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
});
const accessReview = (attributes: Record<string, string>, allowed: boolean) => ({
  verb: "create",
  resource: "selfsubjectaccessreviews",
  apiGroup: AUTHZ,
  level: "RequestResponse" as const,
  requestObject: { kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", spec: { resourceAttributes: attributes } },
  responseObject: { kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", spec: { resourceAttributes: attributes }, status: { allowed } },
});
const rulesReview = (namespace: string) => ({
  verb: "create",
  resource: "selfsubjectrulesreviews",
  apiGroup: AUTHZ,
  level: "RequestResponse" as const,
  requestObject: { kind: "SelfSubjectRulesReview", apiVersion: "authorization.k8s.io/v1", spec: { namespace } },
});

export const positive: DetectionFixture[] = [
  {
    name: "a pod's service account asking whether it can read secrets is Medium, with the question and answer",
    events: [
      ev(0, { ...sa("payments", "api"), sourceIP: "10.244.2.31", ...accessReview({ namespace: "kube-system", verb: "list", resource: "secrets" }, false) }),
    ],
    incidents: [
      {
        severity: "Medium",
        actor: "system:serviceaccount:payments:api",
        titleIncludes: ["Service account system:serviceaccount:payments:api checked its own permissions: can-i list secrets in kube-system → no"],
        evidence: { questions: ["can-i list secrets in kube-system → no"], sources: ["10.244.2.31"] },
      },
    ],
  },
  {
    name: "`kubectl auth can-i --list` (SelfSubjectRulesReview, Sigma's rule) by a service account",
    events: [ev(0, { ...sa("payments", "api"), ...rulesReview("payments") })],
    incidents: [{ severity: "Medium", titleIncludes: ["can-i --list in payments"] }],
  },
  {
    name: "a node identity probing cluster-wide access",
    events: [
      ev(0, {
        username: "system:node:aks-nodepool1-38516731-vmss000002",
        groups: ["system:nodes", "system:authenticated"],
        ...accessReview({ verb: "create", resource: "clusterrolebindings", group: "rbac.authorization.k8s.io" }, false),
      }),
    ],
    incidents: [
      {
        severity: "Medium",
        titleIncludes: ["Node system:node:aks-nodepool1-38516731-vmss000002", "can-i create clusterrolebindings.rbac.authorization.k8s.io cluster-wide → no"],
      },
    ],
  },
  {
    name: "at Metadata level the question is unknown but the review is still reported",
    events: [ev(0, { ...sa("payments", "api"), verb: "create", resource: "selfsubjectrulesreviews", apiGroup: AUTHZ })],
    incidents: [{ severity: "Medium", titleIncludes: ["can-i --list (request body not logged)"] }],
  },
  {
    name: "a burst of questions is one incident per actor and window",
    events: ["secrets", "pods/exec", "nodes/proxy"].map((resource, i) => {
      const [name = "", sub] = resource.split("/");
      return ev(i * 5, {
        ...sa("payments", "api"),
        ...accessReview({ verb: "create", resource: name, ...(sub ? { subresource: sub } : {}), namespace: "payments" }, i === 0),
      });
    }),
    incidents: [{ severity: "Medium", eventCount: 3, titleIncludes: ["can-i create secrets in payments → yes"] }],
  },
  {
    name: "users only when includeUsers is on, and Low",
    config: { "rbac-self-review": { includeUsers: true } },
    events: [ev(0, { ...user("dev@contoso.com"), ...rulesReview("payments") })],
    incidents: [{ severity: "Low", titleIncludes: ["dev@contoso.com checked their own permissions"] }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a user running `kubectl auth can-i` (off by default)",
    events: [ev(0, { ...user("dev@contoso.com"), ...accessReview({ verb: "delete", resource: "pods", namespace: "payments" }, true) })],
    incidents: [],
  },
  {
    name: "the Azure Arc agents check their own access by design",
    events: [ev(0, { ...sa("azure-arc", "azure-arc-kube-aad-proxy-sa"), ...rulesReview("default") })],
    incidents: [],
  },
  {
    name: "metrics-server's SubjectAccessReview on behalf of a caller is not a self-review (real Datadog AKS sample)",
    events: [
      ev(0, {
        ...sa("kube-system", "metrics-server"),
        sourceIP: "172.214.9.229",
        verb: "create",
        resource: "subjectaccessreviews",
        apiGroup: AUTHZ,
        userAgent: "metrics-server/.6.3 (linux/amd64) kubernetes/a938798",
      }),
    ],
    incidents: [],
  },
  {
    name: "a service account allowlisted in the config",
    config: { "rbac-self-review": { allowActors: ["system:serviceaccount:tooling:*"] } },
    events: [ev(0, { ...sa("tooling", "rbac-auditor"), ...rulesReview("default") })],
    incidents: [],
  },
];
