import { type DetectionFixture, ev, user } from "./fixture.js";

const pod = (namespace: string, name: string, query: string, extra: object = {}) => ({
  resource: "pods",
  subresource: "exec",
  namespace,
  name,
  requestURI: `/api/v1/namespaces/${namespace}/pods/${name}/exec?${query}`,
  code: 101,
  stage: "ResponseStarted" as const,
  ...extra,
});

const sameRequest = "00000000-0000-4000-b000-000000000001";

export const positive: DetectionFixture[] = [
  {
    name: "an interactive shell over WebSockets (kubectl ≥ 1.30 logs verb get) is High",
    events: [ev(0, { ...user("alice@contoso.com"), verb: "get", ...pod("default", "web-0", "command=bash&container=web&stdin=true&stdout=true&tty=true") })],
    incidents: [
      {
        severity: "High",
        actor: "alice@contoso.com",
        eventCount: 1,
        titleIncludes: ["exec'd into pod default/web-0", "bash"],
        evidence: { commands: ["bash"], interactiveShell: true },
      },
    ],
  },
  {
    name: "a one-off command with SPDY (verb create) outside system namespaces is Medium, the command URL-decoded",
    events: [
      ev(0, { ...user("alice@contoso.com"), verb: "create", ...pod("default", "web-0", "command=cat&command=%2Fetc%2Fpasswd&container=web&stdout=true") }),
    ],
    incidents: [{ severity: "Medium", evidence: { commands: ["cat /etc/passwd"], containers: ["web"], interactiveShell: false } }],
  },
  {
    name: "a command that reads the service-account token is High",
    events: [
      ev(0, {
        ...user("alice@contoso.com"),
        verb: "get",
        ...pod("default", "web-0", "command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken"),
      }),
    ],
    incidents: [{ severity: "High", evidence: { credentialAccess: true } }],
  },
  {
    name: "any exec in kube-system is High",
    events: [ev(0, { ...user("alice@contoso.com"), verb: "create", ...pod("kube-system", "coredns-abc", "command=ls&container=coredns&stdout=true") })],
    incidents: [{ severity: "High", targets: ["pods/kube-system/coredns-abc"] }],
  },
  {
    name: "ResponseStarted and ResponseComplete of one request count once; three requests update one incident",
    events: [
      ev(0, { ...user("alice@contoso.com"), auditID: sameRequest, verb: "get", ...pod("default", "web-0", "command=sh&stdin=true&tty=true") }),
      ev(300, {
        ...user("alice@contoso.com"),
        auditID: sameRequest,
        verb: "get",
        ...pod("default", "web-0", "command=sh&stdin=true&tty=true", { stage: "ResponseComplete" }),
      }),
      ev(400, { ...user("alice@contoso.com"), verb: "get", ...pod("default", "web-0", "command=id") }),
      ev(500, { ...user("alice@contoso.com"), verb: "get", ...pod("default", "web-0", "command=env") }),
    ],
    incidents: [{ severity: "High", eventCount: 3, evidence: { commands: ["sh", "id", "env"] } }],
  },
  {
    name: "attach is reported like exec",
    events: [
      ev(0, {
        ...user("bob@contoso.com"),
        verb: "create",
        ...pod("default", "web-0", "container=web&stdin=true&stdout=true&tty=true", {
          subresource: "attach",
          requestURI: "/api/v1/namespaces/default/pods/web-0/attach?container=web&stdin=true&stdout=true&tty=true",
        }),
      }),
    ],
    incidents: [{ severity: "Medium", titleIncludes: ["attached to pod default/web-0"] }],
  },
  {
    name: "kubectl debug adds an ephemeral container: reported with its image and command",
    events: [
      ev(0, {
        ...user("bob@contoso.com"),
        verb: "patch",
        resource: "pods",
        subresource: "ephemeralcontainers",
        namespace: "payments",
        name: "api-0",
        level: "RequestResponse",
        requestObject: { spec: { ephemeralContainers: [{ name: "debugger-x7k", image: "busybox:1.36", command: ["sh"], stdin: true, tty: true }] } },
      }),
    ],
    incidents: [
      { severity: "High", titleIncludes: ["added a debug container to pod payments/api-0"], evidence: { containers: ["busybox:1.36"], commands: ["sh"] } },
    ],
  },
  {
    name: "masterclient is the downloaded admin credential: a person, reported",
    events: [
      ev(0, {
        username: "masterclient",
        groups: ["system:masters", "system:authenticated"],
        verb: "get",
        ...pod("default", "web-0", "command=sh&tty=true&stdin=true"),
      }),
    ],
    incidents: [{ severity: "High", actor: "masterclient" }],
  },
  {
    name: "two pods are two incidents",
    events: [
      ev(0, { ...user("carol@contoso.com"), verb: "get", ...pod("default", "a", "command=ls") }),
      ev(10, { ...user("carol@contoso.com"), verb: "get", ...pod("default", "b", "command=ls") }),
    ],
    incidents: [
      { severity: "Medium", targets: ["pods/default/a"] },
      { severity: "Medium", targets: ["pods/default/b"] },
    ],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "a refused exec (403) is not an exec",
    events: [
      ev(0, {
        ...user("eve@contoso.com"),
        verb: "create",
        ...pod("default", "web-0", "command=sh&tty=true"),
        code: 403,
        decision: "forbid",
        stage: "ResponseComplete",
      }),
    ],
    incidents: [],
  },
  {
    name: "AKS's own problem detector is allowlisted",
    events: [ev(0, { username: "aksProblemDetector", verb: "create", ...pod("kube-system", "konnectivity-agent-1", "command=true") })],
    incidents: [],
  },
  {
    name: "reading a pod, its logs, or its ephemeral containers is not exec",
    events: [
      ev(0, { ...user("alice@contoso.com"), verb: "get", resource: "pods", namespace: "default", name: "web-0" }),
      ev(1, { ...user("alice@contoso.com"), verb: "get", resource: "pods", subresource: "log", namespace: "default", name: "web-0" }),
      ev(2, { ...user("alice@contoso.com"), verb: "get", resource: "pods", subresource: "ephemeralcontainers", namespace: "default", name: "web-0" }),
    ],
    incidents: [],
  },
  {
    name: "an actor allowlisted in the config",
    config: { "pod-exec": { allowActors: ["system:serviceaccount:ci:*"] } },
    events: [ev(0, { username: "system:serviceaccount:ci:runner", verb: "create", ...pod("default", "web-0", "command=sh") })],
    incidents: [],
  },
  {
    name: "disabled in the config",
    config: { "pod-exec": { enabled: false } },
    events: [ev(0, { ...user("alice@contoso.com"), verb: "create", ...pod("default", "web-0", "command=sh&tty=true") })],
    incidents: [],
  },
];
