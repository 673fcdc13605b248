import { type DetectionFixture, ev, user } from "./fixture.js";

const RBAC = "rbac.authorization.k8s.io";
type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] };
const role = (kind: "Role" | "ClusterRole", name: string, rules: Rule[], extra: { namespace?: string; labels?: Record<string, string> } = {}) => ({
  kind,
  apiVersion: `${RBAC}/v1`,
  metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), ...(extra.labels ? { labels: extra.labels } : {}) },
  rules,
});
/** A ClusterRole write as AKS logs it: RequestResponse, the role in the request and, as stored, in the response. */
const clusterRoleWrite = (verb: string, name: string, rules: Rule[], labels?: Record<string, string>) => ({
  verb,
  resource: "clusterroles",
  apiGroup: RBAC,
  name,
  level: "RequestResponse" as const,
  requestObject: role("ClusterRole", name, rules, labels ? { labels } : {}),
  responseObject: role("ClusterRole", name, rules, labels ? { labels } : {}),
});
const roleWrite = (verb: string, namespace: string, name: string, rules: Rule[]) => ({
  verb,
  resource: "roles",
  apiGroup: RBAC,
  namespace,
  name,
  level: "RequestResponse" as const,
  requestObject: role("Role", name, rules, { namespace }),
  responseObject: role("Role", name, rules, { namespace }),
});

export const positive: DetectionFixture[] = [
  {
    name: "ClusterRole with wildcard verbs and resources created (Panther's EKS case, AKS-shaped) is High",
    events: [ev(0, { ...user("alice@contoso.com"), ...clusterRoleWrite("create", "super-admin", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]) })],
    incidents: [
      {
        severity: "High",
        actor: "alice@contoso.com",
        titleIncludes: ["alice@contoso.com created ClusterRole super-admin granting resource *, verb *"],
        evidence: { variants: ["wildcard"], rules: ["resource *", "verb *"] },
      },
    ],
  },
  {
    name: "Role with wildcard verbs on pods only is High (Falco's create_cluster_role_wildcard_verbs)",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...roleWrite("create", "production", "pod-admin", [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]) }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["created Role pod-admin in production", "verb *"], evidence: { variants: ["wildcard", "write"] } }],
  },
  {
    name: "a ClusterRole with escalate and bind is High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...clusterRoleWrite("create", "rbac-helper", [
          { apiGroups: [RBAC], resources: ["clusterroles", "clusterrolebindings"], verbs: ["escalate", "bind", "get"] },
        ]),
      }),
    ],
    incidents: [{ severity: "High", evidence: { variants: ["escalation"], rules: ["verb bind", "verb escalate"] } }],
  },
  {
    name: "an existing role patched to a wildcard: the rules are read from the response (Elastic's wildcard elevation)",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "patch",
        resource: "clusterroles",
        apiGroup: RBAC,
        name: "monitoring-reader",
        level: "RequestResponse",
        requestObject: { rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }] },
        responseObject: role("ClusterRole", "monitoring-reader", [
          { apiGroups: [""], resources: ["pods", "services"], verbs: ["get", "list"] },
          { apiGroups: [""], resources: ["pods"], verbs: ["*"] },
        ]),
      }),
    ],
    incidents: [{ severity: "High", titleIncludes: ["patched ClusterRole monitoring-reader"], evidence: { rulesFrom: ["response"] } }],
  },
  {
    name: "a JSON patch that appends `*` to a role's verbs, logged at Request level, is still a wildcard",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        verb: "patch",
        resource: "roles",
        apiGroup: RBAC,
        namespace: "team-a",
        name: "deployer",
        level: "Request",
        requestObject: [{ op: "add", path: "/rules/0/verbs/-", value: "*" }],
      }),
    ],
    incidents: [{ severity: "High", evidence: { variants: ["wildcard"], rulesFrom: ["patch"] } }],
  },
  {
    name: "a role with pods/exec is Medium (Falco's create_cluster_role_pod_exec)",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...roleWrite("create", "production", "debug-role", [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }]),
      }),
    ],
    incidents: [{ severity: "Medium", evidence: { variants: ["sensitive", "write"], rules: ["pods/exec", "write pods/exec"] } }],
  },
  {
    name: "nodes/proxy, serviceaccounts/token and secret reads are each sensitive",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...clusterRoleWrite("create", "node-helper", [
          { apiGroups: [""], resources: ["nodes/proxy", "secrets"], verbs: ["get", "list"] },
          { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
        ]),
      }),
    ],
    incidents: [{ severity: "Medium", evidence: { rules: ["nodes/proxy", "read secrets", "serviceaccounts/token", "write serviceaccounts/token"] } }],
  },
  {
    name: "a role with write verbs only is Low (Falco's create_cluster_role_write_privileges: delete on non-resource URLs)",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...clusterRoleWrite("create", "some-reader", [
          { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
          { nonResourceURLs: ["/api", "/healthz"], verbs: ["delete"] },
        ]),
      }),
    ],
    incidents: [{ severity: "Low", evidence: { variants: ["write"], rules: ["write non-resource URLs"] } }],
  },
  {
    name: "a role that aggregates into view and reads secrets is one step higher: High",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...clusterRoleWrite("create", "view-extras", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }], {
          "rbac.authorization.k8s.io/aggregate-to-view": "true",
        }),
      }),
    ],
    incidents: [{ severity: "High", evidence: { aggregatesInto: ["view"], variants: ["sensitive"] } }],
  },
  {
    name: "a system ClusterRole deleted, logged without a body (Panther's AKS case), is High",
    events: [
      ev(0, {
        ...user("mallory@contoso.com"),
        verb: "delete",
        resource: "clusterroles",
        apiGroup: RBAC,
        name: "system:kube-scheduler",
        level: "Metadata",
      }),
    ],
    incidents: [
      { severity: "High", titleIncludes: ["mallory@contoso.com deleted system ClusterRole system:kube-scheduler"], evidence: { variants: ["system"] } },
    ],
  },
  {
    name: "a system ClusterRole patched with harmless-looking rules is still High (Falco's modify_cluster_role_node_problem_detector)",
    events: [
      ev(0, {
        ...user("ops@contoso.com"),
        ...clusterRoleWrite("patch", "system:node-problem-detector", [
          { apiGroups: [""], resources: ["nodes"], verbs: ["get"] },
          { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
          { apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update", "list"] },
        ]),
      }),
    ],
    incidents: [{ severity: "High", evidence: { variants: ["system", "write"] } }],
  },
  {
    name: "create then patch of one role by one actor is one incident",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...roleWrite("create", "team-a", "ops", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["update"] }]) }),
      ev(90, { ...user("dev@contoso.com"), ...roleWrite("update", "team-a", "ops", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]) }),
    ],
    incidents: [{ severity: "High", eventCount: 2, titleIncludes: ["created and updated Role ops in team-a"] }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a read-only role (Falco's create_clusterrole)",
    events: [
      ev(0, { ...user("dev@contoso.com"), ...clusterRoleWrite("create", "some-reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]) }),
    ],
    incidents: [],
  },
  {
    name: "wildcard apiGroups alone grant nothing extra (Panther's negative)",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...clusterRoleWrite("create", "api-reader", [{ apiGroups: ["*"], resources: ["deployments"], verbs: ["get", "list"] }]),
      }),
    ],
    incidents: [],
  },
  {
    name: "the clusterrole-aggregation-controller rewriting the aggregated admin role",
    events: [
      ev(0, {
        username: "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        userAgent: "kube-controller-manager/v1.30.6 (linux/amd64) kubernetes/00f20d4/system:serviceaccount:kube-system:clusterrole-aggregation-controller",
        ...clusterRoleWrite("update", "admin", [
          { apiGroups: [""], resources: ["pods/exec", "secrets"], verbs: ["create", "get", "list", "delete"] },
          { apiGroups: [RBAC], resources: ["rolebindings", "roles"], verbs: ["create", "delete", "patch", "update"] },
        ]),
      }),
    ],
    incidents: [],
  },
  {
    name: "aksService reconciling an add-on's system role",
    events: [
      ev(0, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        ...clusterRoleWrite("update", "system:azure-cloud-provider", [{ apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update"] }]),
      }),
    ],
    incidents: [],
  },
  {
    name: "system:coredns is edited by add-ons (Falco's exception)",
    events: [
      ev(0, { ...user("ops@contoso.com"), ...clusterRoleWrite("update", "system:coredns", [{ apiGroups: [""], resources: ["endpoints"], verbs: ["list"] }]) }),
    ],
    incidents: [],
  },
  {
    name: "a refused wildcard role create",
    events: [
      ev(0, {
        ...user("mallory@contoso.com"),
        ...clusterRoleWrite("create", "wildcard-role", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]),
        code: 403,
        decision: "forbid",
      }),
    ],
    incidents: [],
  },
  {
    name: "a non-system role written at Metadata level is not reported (its rules are unknown)",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "update", resource: "clusterroles", apiGroup: RBAC, name: "custom-admin", level: "Metadata" })],
    incidents: [],
  },
  {
    name: "deleting an ordinary role",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "delete", resource: "clusterroles", apiGroup: RBAC, name: "some-reader" })],
    incidents: [],
  },
  {
    name: "creating a new role named system:* is not a system-role change (Helm charts do it); a read-only one is not reported",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...clusterRoleWrite("create", "system:metrics-server", [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] }]),
      }),
    ],
    incidents: [],
  },
  {
    name: "write-only roles turned off in the config",
    config: { "rbac-role-change": { reportWriteRoles: false } },
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...roleWrite("create", "team-a", "deployer", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["update"] }]),
      }),
    ],
    incidents: [],
  },
];
