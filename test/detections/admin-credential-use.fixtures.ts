import { type DetectionFixture, ev, user } from "./fixture.js";

// The admin certificate as AKS logs it (Panther's "AKS Exec Into Pod (realistic)"; formats.md §8).
const masterclient = {
  username: "masterclient",
  groups: ["system:masters", "system:authenticated"],
  sourceIP: "203.0.113.77",
  userAgent: "kubectl/v1.35.0 (darwin/arm64) kubernetes/abc1234",
};

export const positive: DetectionFixture[] = [
  {
    name: "masterclient reading pods is Medium, with what it did",
    events: [
      ev(0, { ...masterclient, verb: "list", resource: "pods", namespace: "payments" }),
      ev(30, { ...masterclient, verb: "get", resource: "pods", namespace: "payments", name: "api-7d9f" }),
    ],
    incidents: [
      {
        severity: "Medium",
        actor: "masterclient",
        eventCount: 2,
        titleIncludes: ["Admin credential masterclient used: list pods in payments, get pods in payments api-7d9f"],
        evidence: { variant: "admin-credential", actions: ["list pods in payments", "get pods in payments api-7d9f"], sensitiveActions: [] },
      },
    ],
  },
  {
    name: "masterclient exec'ing into a pod over WebSocket (verb get, 101) is High",
    events: [
      ev(0, {
        ...masterclient,
        verb: "get",
        resource: "pods",
        subresource: "exec",
        namespace: "default",
        name: "nginx",
        requestURI: "/api/v1/namespaces/default/pods/nginx/exec?command=sh&container=nginx&stdin=true&stdout=true&tty=true",
        code: 101,
        stage: "ResponseStarted",
      }),
    ],
    incidents: [
      {
        severity: "High",
        titleIncludes: ["Admin credential masterclient used: get pods/exec in default nginx"],
        evidence: { sensitiveActions: ["get pods/exec in default nginx"] },
      },
    ],
  },
  {
    name: "masterclient creating a ClusterRoleBinding is High, one incident with its reads",
    events: [
      ev(0, { ...masterclient, verb: "list", resource: "namespaces" }),
      ev(10, { ...masterclient, verb: "create", resource: "clusterrolebindings", apiGroup: "rbac.authorization.k8s.io", name: "backdoor" }),
    ],
    incidents: [{ severity: "High", eventCount: 2, titleIncludes: ["create clusterrolebindings backdoor"] }],
  },
  {
    name: "any other person holding a system:masters certificate is an admin credential",
    events: [
      ev(0, {
        username: "break-glass",
        groups: ["system:masters", "system:authenticated"],
        verb: "delete",
        resource: "secrets",
        namespace: "payments",
        name: "db",
      }),
    ],
    incidents: [{ severity: "High", actor: "break-glass" }],
  },
  {
    name: "kubernetes-admin (Falco's full admin access) on a self-managed cluster",
    events: [ev(0, { ...user("kubernetes-admin"), verb: "get", resource: "configmaps", namespace: "kube-system", name: "kubeadm-config" })],
    incidents: [{ severity: "Medium", actor: "kubernetes-admin" }],
  },
  {
    name: "a person not in allowedUsers (Falco's disallowed user) is Medium",
    config: { "admin-credential-use": { allowedUsers: ["*@contoso.com"] } },
    events: [ev(0, { ...user("mallory@fabrikam.com"), verb: "list", resource: "secrets", namespace: "payments" })],
    incidents: [
      {
        severity: "Medium",
        actor: "mallory@fabrikam.com",
        titleIncludes: ["mallory@fabrikam.com, not an allowed user, used the cluster: list secrets in payments"],
      },
    ],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "Entra ID users with allowedUsers empty (the default)",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "create", resource: "clusterrolebindings", apiGroup: "rbac.authorization.k8s.io", name: "x" })],
    incidents: [],
  },
  {
    name: "aksService and system:apiserver are in system:masters but are AKS and the API server, not a person (real Datadog and Sysdig samples)",
    events: [
      ev(0, {
        username: "aksService",
        groups: ["system:masters", "system:authenticated"],
        sourceIP: "172.31.20.43",
        verb: "update",
        resource: "leases",
        apiGroup: "coordination.k8s.io",
        namespace: "kube-system",
        name: "kube-controller-manager",
        userAgent: "kube-controller-manager/v1.29.10 (linux/amd64) kubernetes/f0c1ea8/leader-election",
      }),
      ev(1, {
        username: "system:apiserver",
        groups: ["system:masters"],
        sourceIP: "127.0.0.1",
        verb: "get",
        resource: "endpoints",
        namespace: "default",
        name: "kubernetes",
      }),
    ],
    incidents: [],
  },
  {
    name: "an allowed person under allowedUsers",
    config: { "admin-credential-use": { allowedUsers: ["*@contoso.com"] } },
    events: [ev(0, { ...user("dev@contoso.com"), verb: "list", resource: "pods", namespace: "payments" })],
    incidents: [],
  },
  {
    name: "service accounts and nodes are never people",
    config: { "admin-credential-use": { allowedUsers: ["*@contoso.com"] } },
    events: [
      ev(0, {
        username: "system:serviceaccount:payments:api",
        groups: ["system:serviceaccounts"],
        verb: "get",
        resource: "configmaps",
        namespace: "payments",
        name: "app",
      }),
      ev(1, { username: "nodeclient", groups: ["system:nodes", "system:authenticated"], verb: "watch", resource: "nodes" }),
    ],
    incidents: [],
  },
  {
    name: "a break-glass admin the team accepts, allowlisted",
    config: { "admin-credential-use": { allowActors: ["masterclient"] } },
    events: [ev(0, { ...masterclient, verb: "list", resource: "pods" })],
    incidents: [],
  },
];
