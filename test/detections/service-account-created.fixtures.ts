import { type DetectionFixture, ev, user } from "./fixture.js";

/** AKS logs serviceaccounts at Metadata level: the name comes from the object reference. */
const createSa = (namespace: string, name: string) => ({ verb: "create", resource: "serviceaccounts", namespace, name });

export const positive: DetectionFixture[] = [
  {
    name: "a service account created in kube-system is Medium (Falco's create_serviceaccount_kube_system_namespace)",
    events: [ev(0, { ...user("dev@contoso.com"), ...createSa("kube-system", "myacct") })],
    incidents: [
      {
        severity: "Medium",
        actor: "dev@contoso.com",
        titleIncludes: ["dev@contoso.com created service account kube-system/myacct"],
        evidence: { serviceAccounts: ["kube-system/myacct"], systemNamespace: true },
      },
    ],
  },
  {
    name: "a service account created in kube-public by a CI service account is Medium",
    events: [
      ev(0, {
        username: "system:serviceaccount:ci:deployer",
        groups: ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
        ...createSa("kube-public", "myacct"),
      }),
    ],
    incidents: [{ severity: "Medium", actor: "system:serviceaccount:ci:deployer" }],
  },
  {
    name: "a person creating a service account in an app namespace is Low (Falco's create_serviceaccount, Sigma's serviceaccount_creation)",
    events: [ev(0, { ...user("dev@contoso.com"), ...createSa("default", "myacct") })],
    incidents: [{ severity: "Low", evidence: { systemNamespace: false } }],
  },
  {
    name: "several accounts by one person in a window are one incident, Medium when one is in kube-system",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...createSa("payments", "api") }),
      ev(30, { ...user("dev@contoso.com"), ...createSa("kube-system", "cluster-helper") }),
    ],
    incidents: [{ severity: "Medium", eventCount: 2, titleIncludes: ["created 2 service accounts (payments/api, kube-system/cluster-helper)"] }],
  },
  {
    name: "the name is read from the body when the object reference has none",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        resource: "serviceaccounts",
        namespace: "kube-system",
        level: "Request",
        requestObject: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "myacct" } },
      }),
    ],
    incidents: [{ severity: "Medium", evidence: { serviceAccounts: ["kube-system/myacct"] } }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "the controller manager creating the default service account of a new namespace",
    events: [ev(0, { username: "system:kube-controller-manager", groups: ["system:authenticated"], ...createSa("team-a", "default") })],
    incidents: [],
  },
  {
    name: "aksService installing an add-on's account in kube-system",
    events: [ev(0, { username: "aksService", groups: ["system:masters", "system:authenticated"], ...createSa("kube-system", "ama-logs") })],
    incidents: [],
  },
  {
    name: "a known add-on account created in kube-system by a person",
    events: [ev(0, { ...user("dev@contoso.com"), ...createSa("kube-system", "metrics-server") })],
    incidents: [],
  },
  {
    name: "an operator's service account creating accounts in app namespaces",
    events: [
      ev(0, {
        username: "system:serviceaccount:flux-system:kustomize-controller",
        groups: ["system:serviceaccounts", "system:authenticated"],
        ...createSa("payments", "api"),
      }),
    ],
    incidents: [],
  },
  {
    name: "a create that failed (409 already exists)",
    events: [ev(0, { ...user("dev@contoso.com"), ...createSa("kube-system", "myacct"), code: 409 })],
    incidents: [],
  },
  {
    name: "deleting a service account",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "delete", resource: "serviceaccounts", namespace: "kube-system", name: "myacct" })],
    incidents: [],
  },
  {
    name: "people's creates outside system namespaces turned off in the config",
    config: { "service-account-created": { reportUserCreates: false } },
    events: [ev(0, { ...user("dev@contoso.com"), ...createSa("default", "myacct") })],
    incidents: [],
  },
];
