import { type DetectionFixture, ev, user } from "./fixture.js";

const as = (username: string, groups?: readonly string[]) => ({ impersonatedUser: { username, ...(groups ? { groups } : {}) } });
const arcProxy = {
  username: "system:serviceaccount:azure-arc:azure-arc-kube-aad-proxy-sa",
  groups: ["system:serviceaccounts", "system:serviceaccounts:azure-arc", "system:authenticated"],
  sourceIP: "10.244.0.12",
};
// The Entra object id of the caller Arc Cluster Connect impersonates.
const ENTRA_OID = "7c4e1f3a-2b9d-4e61-9a0c-5d2f8e6b1a47";

export const positive: DetectionFixture[] = [
  {
    name: "a user impersonating system:masters is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "list",
        resource: "secrets",
        namespace: "kube-system",
        ...as("dev@contoso.com", ["system:masters", "system:authenticated"]),
      }),
    ],
    incidents: [
      {
        severity: "High",
        actor: "dev@contoso.com",
        titleIncludes: [
          "dev@contoso.com impersonated privileged identity dev@contoso.com (groups system:authenticated, system:masters): list secrets in kube-system",
        ],
        evidence: { variant: "privileged", impersonatedGroups: ["system:authenticated", "system:masters"] },
        techniques: ["T1134"],
      },
    ],
  },
  {
    name: "a service account impersonating the controller manager is High (Elastic's privileged list)",
    events: [
      ev(0, {
        username: "system:serviceaccount:tools:debugger",
        groups: ["system:serviceaccounts", "system:authenticated"],
        verb: "create",
        resource: "serviceaccounts",
        subresource: "token",
        namespace: "kube-system",
        name: "default",
        ...as("system:kube-controller-manager"),
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["impersonated privileged identity system:kube-controller-manager: create serviceaccounts/token in kube-system default"],
      },
    ],
  },
  {
    name: "impersonating a node or a kube-system service account is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "get",
        resource: "secrets",
        namespace: "payments",
        name: "db",
        ...as("system:node:aks-nodepool1-38516731-vmss000000", ["system:nodes"]),
      }),
      ev(1, { ...user("dev@contoso.com"), verb: "get", resource: "pods", namespace: "kube-system", ...as("system:serviceaccount:kube-system:coredns") }),
    ],
    incidents: [
      { severity: "High", titleIncludes: ["system:node:aks-nodepool1-38516731-vmss000000"] },
      { severity: "High", titleIncludes: ["coredns"] },
    ],
  },
  {
    name: "an admin testing RBAC with `kubectl --as` another person is Low",
    events: [ev(0, { ...user("admin@contoso.com"), verb: "list", resource: "pods", namespace: "payments", ...as("dev@contoso.com") })],
    incidents: [{ severity: "Low", titleIncludes: ["admin@contoso.com impersonated dev@contoso.com: list pods in payments"], evidence: { variant: "other" } }],
  },
  {
    name: "the Arc proxy reading secrets for an Entra identity is Medium, one incident per identity (Elastic's Arc proxy rule)",
    events: [
      ev(0, { ...arcProxy, verb: "list", resource: "secrets", namespace: "payments", ...as(ENTRA_OID, ["system:authenticated"]) }),
      ev(5, { ...arcProxy, verb: "get", resource: "configmaps", namespace: "payments", name: "app-config", ...as(ENTRA_OID, ["system:authenticated"]) }),
    ],
    incidents: [
      {
        severity: "Medium",
        eventCount: 2,
        titleIncludes: [`Arc proxy system:serviceaccount:azure-arc:azure-arc-kube-aad-proxy-sa acting for ${ENTRA_OID}`],
        evidence: { variant: "arc-proxy", impersonated: ENTRA_OID },
        techniques: ["T1552.007", "T1530"],
      },
    ],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "requests without impersonation, even by privileged identities",
    events: [
      ev(0, { username: "dev@contoso.com", groups: ["system:masters", "system:authenticated"], verb: "list", resource: "secrets", namespace: "kube-system" }),
    ],
    incidents: [],
  },
  {
    name: "a refused impersonated request",
    events: [
      ev(0, { ...user("dev@contoso.com"), verb: "list", resource: "secrets", namespace: "kube-system", code: 403, decision: "forbid", ...as("system:admin") }),
    ],
    incidents: [],
  },
  {
    name: "AKS's own identities and kube-system controllers impersonating (Elastic's exclusions)",
    events: [
      ev(0, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        verb: "get",
        resource: "pods",
        namespace: "kube-system",
        ...as("system:admin"),
      }),
      ev(1, {
        username: "masterclient",
        groups: ["system:masters", "system:authenticated"],
        verb: "get",
        resource: "pods",
        namespace: "kube-system",
        ...as("system:admin"),
      }),
      ev(2, {
        username: "system:serviceaccount:kube-system:konnectivity-agent",
        verb: "get",
        resource: "pods",
        namespace: "kube-system",
        ...as("system:node:aks-nodepool1-38516731-vmss000000"),
      }),
    ],
    incidents: [],
  },
  {
    name: "the Arc proxy in its own namespaces, on Helm release secrets, or on other resources",
    events: [
      ev(0, { ...arcProxy, verb: "get", resource: "secrets", namespace: "azure-arc", name: "sp-token", ...as(ENTRA_OID) }),
      ev(1, { ...arcProxy, verb: "get", resource: "secrets", namespace: "payments", name: "sh.helm.release.v1.api.v3", ...as(ENTRA_OID) }),
      ev(2, { ...arcProxy, verb: "list", resource: "pods", namespace: "payments", ...as(ENTRA_OID) }),
    ],
    incidents: [],
  },
  {
    name: "other impersonation when reportOtherImpersonation is off",
    config: { impersonation: { reportOtherImpersonation: false } },
    events: [ev(0, { ...user("admin@contoso.com"), verb: "list", resource: "pods", namespace: "payments", ...as("dev@contoso.com") })],
    incidents: [],
  },
];
