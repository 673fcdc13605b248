import { type DetectionFixture, ev, user } from "./fixture.js";

const RBAC = "rbac.authorization.k8s.io";
const crb = (name: string) => ({ resource: "clusterrolebindings", apiGroup: RBAC, name, level: "RequestResponse" as const });
const rb = (namespace: string, name: string) => ({ resource: "rolebindings", apiGroup: RBAC, namespace, name, level: "RequestResponse" as const });
const binding = (kind: string, name: string, roleKind: string, role: string, subjects: object[], namespace?: string) => ({
  kind,
  apiVersion: `${RBAC}/v1`,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: role },
  subjects,
});
const sa = (namespace: string, name: string) => ({ kind: "ServiceAccount", name, namespace });
const group = (name: string) => ({ kind: "Group", apiGroup: RBAC, name });

export const positive: DetectionFixture[] = [
  {
    name: "binding cluster-admin to a service account is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...crb("backdoor"),
        requestObject: binding("ClusterRoleBinding", "backdoor", "ClusterRole", "cluster-admin", [sa("default", "x")]),
      }),
    ],
    incidents: [
      {
        severity: "High",
        actor: "dev@contoso.com",
        titleIncludes: ["created ClusterRoleBinding backdoor granting ClusterRole/cluster-admin to ServiceAccount/default/x"],
        evidence: { powerfulRole: true, roleRef: ["ClusterRole/cluster-admin"] },
      },
    ],
  },
  {
    name: "binding any role to all authenticated users is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...crb("everyone"),
        requestObject: binding("ClusterRoleBinding", "everyone", "ClusterRole", "view", [group("system:authenticated")]),
      }),
    ],
    incidents: [{ severity: "High", evidence: { riskySubjects: ["Group/system:authenticated"] } }],
  },
  {
    name: "binding to system:masters (Panther's AKS case) is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...crb("masters"),
        requestObject: binding("ClusterRoleBinding", "masters", "ClusterRole", "view", [group("system:masters")]),
      }),
    ],
    incidents: [{ severity: "High" }],
  },
  {
    name: "an ordinary namespaced grant is Low",
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        verb: "create",
        ...rb("team-a", "readers"),
        requestObject: binding("RoleBinding", "readers", "ClusterRole", "view", [group("team-a")], "team-a"),
      }),
    ],
    incidents: [{ severity: "Low", titleIncludes: ["RoleBinding readers in team-a granting ClusterRole/view to Group/team-a"] }],
  },
  {
    name: "an ordinary cluster-wide grant is Medium",
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        verb: "create",
        ...crb("viewers"),
        requestObject: binding("ClusterRoleBinding", "viewers", "ClusterRole", "view", [group("auditors")]),
      }),
    ],
    incidents: [{ severity: "Medium" }],
  },
  {
    name: "a role created with escalate, then bound: High because the role was remembered",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        resource: "clusterroles",
        apiGroup: RBAC,
        name: "helper",
        level: "RequestResponse",
        requestObject: {
          kind: "ClusterRole",
          metadata: { name: "helper" },
          rules: [{ apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["escalate", "bind"] }],
        },
      }),
      ev(60, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...crb("helper"),
        requestObject: binding("ClusterRoleBinding", "helper", "ClusterRole", "helper", [sa("default", "x")]),
      }),
    ],
    incidents: [{ severity: "High", evidence: { dangerousRules: ["verb bind", "verb escalate"], powerfulRole: true } }],
  },
  {
    name: "a delete logged without a body is described from the binding remembered at creation, days later",
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        verb: "create",
        ...crb("admins"),
        requestObject: binding("ClusterRoleBinding", "admins", "ClusterRole", "cluster-admin", [group("platform")]),
      }),
      ev(3 * 24 * 3600, { ...user("intruder@contoso.com"), verb: "delete", ...crb("admins"), level: "Metadata" }),
    ],
    incidents: [
      { severity: "High", actor: "ops@contoso.com" },
      {
        severity: "Medium",
        actor: "intruder@contoso.com",
        titleIncludes: ["deleted ClusterRoleBinding admins granting ClusterRole/cluster-admin to Group/platform"],
      },
    ],
  },
  {
    name: "a patch adding subjects, logged at Request level only, names the new subjects",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "patch",
        ...rb("payments", "deployers"),
        level: "Request",
        requestObject: { subjects: [{ kind: "User", name: "mallory@evil.example" }] },
      }),
    ],
    incidents: [{ severity: "Low", titleIncludes: ["patched RoleBinding deployers in payments", "User/mallory@evil.example"] }],
  },
  {
    name: "create and delete of one binding by one actor in a window is one incident with both changes",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...crb("tmp"),
        requestObject: binding("ClusterRoleBinding", "tmp", "ClusterRole", "cluster-admin", [sa("default", "x")]),
      }),
      ev(120, { ...user("dev@contoso.com"), verb: "delete", ...crb("tmp"), level: "Metadata" }),
    ],
    incidents: [{ severity: "High", eventCount: 2, titleIncludes: ["created and deleted ClusterRoleBinding tmp"] }],
  },
  {
    name: "a sensitive role (edit) bound to a ServiceAccount in a RoleBinding is Medium, not Low (row 51)",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...rb("payments", "ci-edit"),
        requestObject: binding("RoleBinding", "ci-edit", "ClusterRole", "edit", [sa("payments", "ci")], "payments"),
      }),
    ],
    incidents: [
      {
        severity: "Medium",
        titleIncludes: ["created RoleBinding ci-edit in payments granting ClusterRole/edit to ServiceAccount/payments/ci"],
        evidence: { sensitiveRole: true, powerfulRole: false, serviceAccountSubjects: ["ServiceAccount/payments/ci"] },
      },
    ],
  },
  {
    name: "a role remembered to read secrets, bound to a ServiceAccount whose namespace the subject omits, is Medium",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        resource: "roles",
        apiGroup: RBAC,
        namespace: "payments",
        name: "secret-reader",
        level: "RequestResponse",
        requestObject: {
          kind: "Role",
          metadata: { name: "secret-reader", namespace: "payments" },
          rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
        },
      }),
      ev(30, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...rb("payments", "reader"),
        requestObject: binding("RoleBinding", "reader", "Role", "secret-reader", [{ kind: "ServiceAccount", name: "worker" }], "payments"),
      }),
    ],
    incidents: [{ severity: "Medium", evidence: { sensitiveRules: ["read secrets"], serviceAccountSubjects: ["ServiceAccount/payments/worker"] } }],
  },
  {
    name: "an ordinary role bound to a ServiceAccount stays Low",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        ...rb("payments", "viewer"),
        requestObject: binding("RoleBinding", "viewer", "ClusterRole", "view", [sa("payments", "ci")], "payments"),
      }),
    ],
    incidents: [{ severity: "Low", evidence: { sensitiveRole: false, serviceAccountSubjects: ["ServiceAccount/payments/ci"] } }],
  },
  {
    name: "a RoleBinding written by a service account is at least Medium (row 52)",
    events: [
      ev(0, {
        username: "system:serviceaccount:ci:deployer",
        groups: ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
        userAgent: "helm/v3.16.2 (linux/amd64)",
        verb: "create",
        ...rb("team-a", "readers"),
        requestObject: binding("RoleBinding", "readers", "ClusterRole", "view", [group("team-a")], "team-a"),
      }),
    ],
    incidents: [
      {
        severity: "Medium",
        titleIncludes: ["Service account system:serviceaccount:ci:deployer created RoleBinding readers"],
        evidence: { writtenByServiceAccount: true },
      },
    ],
  },
  {
    name: "a ClusterRole written by a service account is Medium, naming what it grants (row 52)",
    events: [
      ev(0, {
        username: "system:serviceaccount:default:app",
        groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
        userAgent: "python-requests/2.32.3",
        verb: "create",
        resource: "clusterroles",
        apiGroup: RBAC,
        name: "pwn",
        level: "RequestResponse",
        requestObject: { kind: "ClusterRole", metadata: { name: "pwn" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["*"] }] },
      }),
    ],
    incidents: [
      {
        severity: "Medium",
        actor: "system:serviceaccount:default:app",
        titleIncludes: ["Service account system:serviceaccount:default:app created ClusterRole pwn granting read secrets, verb *"],
        evidence: { writtenByServiceAccount: true },
      },
    ],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "AKS reconciling its own bindings",
    events: [
      ev(0, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        verb: "patch",
        ...crb("aks-cluster-admin-binding"),
        requestObject: { subjects: [] },
      }),
    ],
    incidents: [],
  },
  {
    name: "a refused binding create",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "create", ...crb("backdoor"), code: 403, decision: "forbid" })],
    incidents: [],
  },
  {
    name: "reading bindings",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "list", resource: "clusterrolebindings", apiGroup: RBAC })],
    incidents: [],
  },
  {
    name: "creating a role without binding it",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "create",
        resource: "roles",
        apiGroup: RBAC,
        namespace: "a",
        name: "r",
        requestObject: { rules: [{ verbs: ["*"], resources: ["*"] }] },
      }),
    ],
    incidents: [],
  },
  {
    name: "a namespace allowlisted in the config",
    config: { "rbac-binding-change": { allowNamespaces: ["team-*"] } },
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        verb: "create",
        ...rb("team-a", "readers"),
        requestObject: binding("RoleBinding", "readers", "ClusterRole", "view", [group("team-a")], "team-a"),
      }),
    ],
    incidents: [],
  },
  {
    name: "the clusterrole-aggregation-controller rewriting an aggregated role",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        verb: "update",
        resource: "clusterroles",
        apiGroup: RBAC,
        name: "admin",
        level: "RequestResponse",
        requestObject: { kind: "ClusterRole", metadata: { name: "admin" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] },
      }),
    ],
    incidents: [],
  },
  {
    name: "service-account RBAC writes turned off in the config",
    config: { "rbac-binding-change": { reportServiceAccountWriters: false } },
    events: [
      ev(0, {
        username: "system:serviceaccount:flux-system:kustomize-controller",
        groups: ["system:serviceaccounts", "system:authenticated"],
        verb: "patch",
        resource: "roles",
        apiGroup: RBAC,
        namespace: "team-a",
        name: "deployer",
        level: "RequestResponse",
        requestObject: { rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["update"] }] },
      }),
    ],
    incidents: [],
  },
  {
    name: "the namespace controller removing the bindings of a namespace being deleted",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:namespace-controller",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        verb: "deletecollection",
        resource: "rolebindings",
        apiGroup: "rbac.authorization.k8s.io",
        namespace: "team-a",
      }),
    ],
    incidents: [],
  },
];
