import { type DetectionFixture, ev, user } from "./fixture.js";

const RBAC = "rbac.authorization.k8s.io";
type Subject = { kind: string; name: string; namespace?: string; apiGroup?: string };
const binding = (kind: string, name: string, roleKind: string, role: string, subjects: Subject[], namespace?: string) => ({
  kind,
  apiVersion: `${RBAC}/v1`,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: role },
  subjects,
});
/** A ClusterRoleBinding create as AKS logs it (RequestResponse, the binding in request and response). */
const grantCluster = (name: string, role: string, subjects: Subject[]) => ({
  verb: "create",
  resource: "clusterrolebindings",
  apiGroup: RBAC,
  name,
  level: "RequestResponse" as const,
  requestObject: binding("ClusterRoleBinding", name, "ClusterRole", role, subjects),
  responseObject: binding("ClusterRoleBinding", name, "ClusterRole", role, subjects),
});
const grantNamespaced = (namespace: string, name: string, roleKind: string, role: string, subjects: Subject[]) => ({
  verb: "create",
  resource: "rolebindings",
  apiGroup: RBAC,
  namespace,
  name,
  level: "RequestResponse" as const,
  requestObject: binding("RoleBinding", name, roleKind, role, subjects, namespace),
  responseObject: binding("RoleBinding", name, roleKind, role, subjects, namespace),
});
const U = (name: string): Subject => ({ kind: "User", apiGroup: RBAC, name });
const readSecret = (namespace: string, name: string) => ({ verb: "get", resource: "secrets", namespace, name });
const exec = (namespace: string, pod: string) => ({
  verb: "create",
  resource: "pods",
  subresource: "exec",
  namespace,
  name: pod,
  stage: "ResponseStarted" as const,
  code: 101,
  requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/exec?command=sh&container=app&stdin=true&stdout=true&tty=true`,
});
const alice = user("alice@contoso.com", "198.51.100.7");
const bob = user("bob@contoso.com", "203.0.113.9");
const deployer = {
  username: "system:serviceaccount:ci:deployer",
  groups: ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
  sourceIP: "10.244.1.17",
};
const MIN = 60;

export const positive: DetectionFixture[] = [
  {
    name: "the whole story: cluster-admin bound to bob, who reads a secret and execs into a pod minutes later",
    events: [
      ev(0, { ...alice, ...grantCluster("bob-admin", "cluster-admin", [U("bob@contoso.com")]) }),
      ev(5 * MIN, { ...bob, ...readSecret("payments", "db-credentials") }),
      ev(9 * MIN, { ...bob, ...exec("payments", "api-7d9f8b6c5-x2x4q") }),
    ],
    incidents: [
      {
        severity: "High",
        actor: "bob@contoso.com",
        eventCount: 2,
        titleIncludes: ["bob@contoso.com used ClusterRole/cluster-admin within 60 minutes of being granted it by alice@contoso.com"],
        evidence: {
          grants: ["ClusterRole/cluster-admin to User/bob@contoso.com via clusterrolebindings//bob-admin, by alice@contoso.com at 2026-11-20T10:00:00.000Z"],
          uses: ["2026-11-20T10:05:00.000Z get secrets payments/db-credentials", "2026-11-20T10:09:00.000Z create pods/exec payments/api-7d9f8b6c5-x2x4q"],
        },
      },
    ],
  },
  {
    name: "a service account granted cluster-admin writes a ClusterRoleBinding of its own",
    events: [
      ev(0, { ...alice, ...grantCluster("ci-admin", "cluster-admin", [{ kind: "ServiceAccount", name: "deployer", namespace: "ci" }]) }),
      ev(2 * MIN, { ...deployer, ...grantCluster("keep-access", "cluster-admin", [U("mallory@evil.example")]) }),
    ],
    incidents: [{ severity: "High", actor: "system:serviceaccount:ci:deployer", titleIncludes: ["create ClusterRoleBinding keep-access"] }],
  },
  {
    name: "a grant to an Entra group is used by a member of the group",
    events: [
      ev(0, { ...alice, ...grantCluster("ops-admin", "admin", [{ kind: "Group", apiGroup: RBAC, name: "6f1c2d3e-0000-4000-8000-00000000abcd" }]) }),
      ev(10 * MIN, {
        username: "carol@contoso.com",
        groups: ["6f1c2d3e-0000-4000-8000-00000000abcd", "system:authenticated"],
        sourceIP: "198.51.100.20",
        verb: "list",
        resource: "secrets",
      }),
    ],
    incidents: [{ severity: "High", actor: "carol@contoso.com", titleIncludes: ["list secrets in all namespaces"] }],
  },
  {
    name: "a Role remembered to read secrets, bound in its namespace and used there",
    events: [
      ev(0, {
        ...alice,
        verb: "create",
        resource: "roles",
        apiGroup: RBAC,
        namespace: "payments",
        name: "secret-reader",
        level: "RequestResponse",
        requestObject: {
          kind: "Role",
          metadata: { name: "secret-reader", namespace: "payments" },
          rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
        },
      }),
      ev(60, { ...alice, ...grantNamespaced("payments", "bob-secrets", "Role", "secret-reader", [U("bob@contoso.com")]) }),
      ev(3 * MIN, { ...bob, ...readSecret("payments", "stripe-key") }),
    ],
    incidents: [
      {
        severity: "High",
        evidence: {
          grants: [
            "Role/secret-reader (read secrets) to User/bob@contoso.com via rolebindings/payments/bob-secrets, by alice@contoso.com at 2026-11-20T10:01:00.000Z",
          ],
        },
      },
    ],
  },
  {
    name: "a grant near the end of one window used in the next: memory carries the grant across the boundary",
    events: [
      ev(55 * MIN, { ...alice, ...grantCluster("bob-edit", "edit", [U("bob@contoso.com")]) }),
      ev(65 * MIN, { ...bob, verb: "create", resource: "deployments", apiGroup: "apps", namespace: "payments", name: "miner", level: "RequestResponse" }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["used ClusterRole/edit", "create deployments payments/miner"] }],
  },
  {
    name: "a new subject added to an existing binding by an update is a new grant",
    events: [
      ev(0, { ...alice, ...grantCluster("admins", "cluster-admin", [U("ops@contoso.com")]) }),
      ev(2 * 3600, {
        ...alice,
        ...grantCluster("admins", "cluster-admin", [U("ops@contoso.com"), U("bob@contoso.com")]),
        verb: "update",
      }),
      ev(2 * 3600 + 5 * MIN, {
        ...bob,
        verb: "create",
        resource: "serviceaccounts",
        subresource: "token",
        namespace: "kube-system",
        name: "cloud-node-manager",
      }),
    ],
    incidents: [{ severity: "High", actor: "bob@contoso.com", titleIncludes: ["create serviceaccounts/token kube-system/cloud-node-manager"] }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a grant that is never used",
    events: [ev(0, { ...alice, ...grantCluster("bob-admin", "cluster-admin", [U("bob@contoso.com")]) })],
    incidents: [],
  },
  {
    name: "a self-grant is not its own use",
    events: [ev(0, { ...alice, ...grantCluster("alice-admin", "cluster-admin", [U("alice@contoso.com")]) })],
    incidents: [],
  },
  {
    name: "a sensitive action with no grant before it",
    events: [ev(0, { ...bob, ...readSecret("payments", "db-credentials") }), ev(60, { ...bob, ...exec("payments", "api-0") })],
    incidents: [],
  },
  {
    name: "the use comes before the grant",
    events: [
      ev(0, { ...bob, ...readSecret("payments", "db-credentials") }),
      ev(60, { ...alice, ...grantCluster("bob-admin", "cluster-admin", [U("bob@contoso.com")]) }),
    ],
    incidents: [],
  },
  {
    name: "the use comes after the window (61 minutes)",
    events: [
      ev(0, { ...alice, ...grantCluster("bob-admin", "cluster-admin", [U("bob@contoso.com")]) }),
      ev(61 * MIN, { ...bob, ...readSecret("payments", "db-credentials") }),
    ],
    incidents: [],
  },
  {
    name: "a weak role (view) granted, then a sensitive action",
    events: [
      ev(0, { ...alice, ...grantCluster("bob-view", "view", [U("bob@contoso.com")]) }),
      ev(5 * MIN, { ...bob, ...readSecret("payments", "db-credentials") }),
    ],
    incidents: [],
  },
  {
    name: "the grant is deleted before the use (the delete, logged without a body, leaves a tombstone)",
    events: [
      ev(0, { ...alice, ...grantCluster("bob-admin", "cluster-admin", [U("bob@contoso.com")]) }),
      ev(2 * MIN, { ...alice, verb: "delete", resource: "clusterrolebindings", apiGroup: RBAC, name: "bob-admin", level: "Metadata" }),
      ev(5 * MIN, { ...bob, ...readSecret("payments", "db-credentials") }),
    ],
    incidents: [],
  },
  {
    name: "a RoleBinding grant in one namespace, used in another",
    events: [
      ev(0, { ...alice, ...grantNamespaced("team-a", "bob-admin", "ClusterRole", "admin", [U("bob@contoso.com")]) }),
      ev(5 * MIN, { ...bob, ...readSecret("payments", "db-credentials") }),
    ],
    incidents: [],
  },
  {
    name: "AKS reconciling a binding is not a grant",
    events: [
      ev(0, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        ...grantCluster("aks-cluster-admin-binding", "cluster-admin", [{ kind: "Group", apiGroup: RBAC, name: "6f1c2d3e-0000-4000-8000-00000000abcd" }]),
        verb: "update",
      }),
      ev(5 * MIN, {
        username: "carol@contoso.com",
        groups: ["6f1c2d3e-0000-4000-8000-00000000abcd", "system:authenticated"],
        ...readSecret("payments", "db-credentials"),
      }),
    ],
    incidents: [],
  },
  {
    name: "a grant of edit when the config counts only cluster-admin as powerful",
    config: { "privilege-granted-then-used": { powerfulRoles: ["cluster-admin"] } },
    events: [
      ev(0, { ...alice, ...grantCluster("bob-edit", "edit", [U("bob@contoso.com")]) }),
      ev(5 * MIN, { ...bob, ...readSecret("payments", "db-credentials") }),
    ],
    incidents: [],
  },
  {
    name: "a binding logged without a body (Metadata level) teaches no grant, so its use is not linked",
    events: [
      ev(0, { ...alice, verb: "create", resource: "clusterrolebindings", apiGroup: RBAC, name: "bob-admin", level: "Metadata" }),
      ev(5 * MIN, { ...bob, ...readSecret("payments", "db-credentials") }),
    ],
    incidents: [],
  },
];
