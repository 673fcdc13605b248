import { type DetectionFixture, ev, user } from "./fixture.js";

const alice = user("alice@contoso.com");
const secret = (verb: string, namespace: string, name: string) => ({ verb, resource: "secrets", namespace, name });
const deployment = (verb: string, namespace: string, name: string) => ({
  verb,
  resource: "deployments",
  apiGroup: "apps",
  namespace,
  name,
  level: "RequestResponse" as const,
});
const controller = (name: string) => ({
  username: `system:serviceaccount:kube-system:${name}`,
  groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
});

export const positive: DetectionFixture[] = [
  {
    name: "a person creating a secret (Metadata level, as AKS logs secrets) is Low",
    events: [ev(0, { ...alice, ...secret("create", "default", "example-secret") })],
    incidents: [
      {
        severity: "Low",
        actor: "alice@contoso.com",
        titleIncludes: ["alice@contoso.com created secrets/default/example-secret (secrets changed)"],
        evidence: { changes: ["created secrets/default/example-secret"], variants: ["secretChanged"] },
      },
    ],
  },
  {
    name: "secrets patched and deleted are changes too",
    events: [ev(0, { ...alice, ...secret("patch", "payments", "db-credentials") }), ev(5, { ...alice, ...secret("delete", "payments", "api-key") })],
    incidents: [{ severity: "Low", evidence: { changes: ["patched secrets/payments/db-credentials", "deleted secrets/payments/api-key"] } }],
  },
  {
    name: "a namespace created by a person, with no allowlist, is Low (Falco's Create Disallowed Namespace)",
    events: [ev(0, { ...user("some-user"), verb: "create", resource: "namespaces", name: "foo", level: "RequestResponse" })],
    incidents: [{ severity: "Low", titleIncludes: ["created namespaces/foo (namespace created outside the allowlist)"] }],
  },
  {
    name: "a deployment deleted is Low (Sigma's deployment_deleted)",
    events: [ev(0, { ...alice, ...deployment("delete", "payments", "api") })],
    incidents: [{ severity: "Low", titleIncludes: ["deleted deployments/payments/api (deployment deleted)"], evidence: { variants: ["deploymentDeleted"] } }],
  },
  {
    name: "other creates and deletes are the Informational activity stream, one incident per person per window",
    events: [
      ev(0, {
        ...alice,
        verb: "create",
        resource: "configmaps",
        namespace: "web",
        level: "RequestResponse",
        responseObject: { metadata: { name: "feature-flags-7x9k2" } },
      }),
      ev(30, { ...alice, verb: "delete", resource: "services", namespace: "web", name: "legacy" }),
      ev(60, { ...alice, verb: "create", resource: "serviceaccounts", namespace: "web", name: "deployer" }),
      ev(90, { ...alice, verb: "create", resource: "clusterrolebindings", apiGroup: "rbac.authorization.k8s.io", name: "deployer-view" }),
      ev(120, { ...alice, verb: "deletecollection", resource: "configmaps", namespace: "staging" }),
    ],
    incidents: [
      {
        severity: "Informational",
        eventCount: 5,
        evidence: {
          changes: [
            "created configmaps/web/feature-flags-7x9k2",
            "deleted services/web/legacy",
            "created serviceaccounts/web/deployer",
            "created clusterrolebindings/deployer-view",
            "deleted all configmaps in staging",
          ],
          variants: ["lifecycle"],
        },
      },
    ],
  },
  {
    name: "the window's highest change decides: a configmap created and a deployment deleted is Low",
    events: [
      ev(0, { ...alice, verb: "create", resource: "configmaps", namespace: "web", name: "a" }),
      ev(10, { ...alice, ...deployment("delete", "web", "frontend") }),
    ],
    incidents: [{ severity: "Low", eventCount: 2, evidence: { changeCount: 2 } }],
  },
  {
    name: "masterclient (the admin kubeconfig a person downloads) is a person",
    events: [ev(0, { username: "masterclient", groups: ["system:masters", "system:authenticated"], ...deployment("delete", "payments", "api") })],
    incidents: [{ severity: "Low", actor: "masterclient" }],
  },
  {
    name: "a namespace in allowedNamespaces, and a secret in kube-system (quietSecretNamespaces), are only Informational",
    config: { "object-lifecycle": { allowedNamespaces: ["feature-*"] } },
    events: [
      ev(0, { ...alice, verb: "create", resource: "namespaces", name: "feature-login" }),
      ev(1, { ...alice, ...secret("create", "kube-system", "azure-creds") }),
    ],
    incidents: [{ severity: "Informational", evidence: { changes: ["created namespaces/feature-login", "created secrets/kube-system/azure-creds"] } }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "controllers creating and deleting objects are not selected (not a person)",
    events: [
      ev(0, { ...controller("deployment-controller"), verb: "create", resource: "replicasets", apiGroup: "apps", namespace: "web", name: "frontend-7d9f" }),
      ev(1, { ...controller("namespace-controller"), verb: "delete", resource: "configmaps", namespace: "feature-x", name: "kube-root-ca.crt" }),
      ev(2, { ...controller("token-cleaner"), ...secret("delete", "kube-system", "bootstrap-token-abcdef") }),
    ],
    incidents: [],
  },
  {
    name: "updates and patches of deployments, services and configmaps (kubectl apply) are not lifecycle events",
    events: [
      ev(0, { ...alice, ...deployment("patch", "web", "frontend") }),
      ev(1, { ...alice, verb: "update", resource: "configmaps", namespace: "web", name: "feature-flags" }),
    ],
    incidents: [],
  },
  {
    name: "a refused create and delete",
    events: [
      ev(0, { ...user("eve@contoso.com"), ...secret("create", "payments", "x"), code: 403 }),
      ev(1, { ...user("eve@contoso.com"), ...deployment("delete", "payments", "api"), code: 403 }),
    ],
    incidents: [],
  },
  {
    name: "resources left out of the stream in the config",
    config: { "object-lifecycle": { resources: ["secrets", "deployments"] } },
    events: [ev(0, { ...alice, verb: "create", resource: "configmaps", namespace: "web", name: "a" })],
    incidents: [],
  },
  {
    name: "pods and other resources are not part of this stream",
    events: [ev(0, { ...alice, verb: "create", resource: "pods", namespace: "web", name: "debug" })],
    incidents: [],
  },
];
