import { type DetectionFixture, ev, user } from "./fixture.js";

const SOURCE = "203.0.113.9";
const anon = (sourceIP = SOURCE) => ({ username: "system:anonymous", groups: ["system:unauthenticated"], sourceIP, userAgent: "curl/8.5.0" });
/** The open door: an anonymous list of pods that RBAC allowed. */
const precursor = (seconds: number, sourceIP = SOURCE) =>
  ev(seconds, { ...anon(sourceIP), verb: "list", resource: "pods", namespace: "default", level: "Request" });
const bindingCreate = (seconds: number, actor: ReturnType<typeof user>) =>
  ev(seconds, {
    ...actor,
    verb: "create",
    resource: "clusterrolebindings",
    apiGroup: "rbac.authorization.k8s.io",
    name: "pwn",
    level: "RequestResponse",
    requestObject: { metadata: { name: "pwn" }, roleRef: { kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "User", name: "mallory" }] },
  });
const sa = (namespace: string, name: string, sourceIP: string) => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  sourceIP,
});

export const positive: DetectionFixture[] = [
  {
    name: "the whole story: anonymous list of pods allowed, then a person from the same IP binds cluster-admin (High)",
    events: [precursor(0), bindingCreate(600, user("alice@contoso.com", SOURCE))],
    incidents: [
      {
        severity: "High",
        actor: "alice@contoso.com",
        eventCount: 1,
        titleIncludes: [`After anonymous access from ${SOURCE}: alice@contoso.com created clusterrolebindings pwn`],
        evidence: {
          sourceIp: SOURCE,
          anonymousRequests: [`list /api/v1/namespaces/default/pods from ${SOURCE} at 2026-11-20T10:00:00.000Z`],
          writes: ["alice@contoso.com created clusterrolebindings pwn"],
        },
      },
    ],
  },
  {
    name: "an anonymous read, then an anonymous write from another IP: remembered per anonymous identity",
    events: [precursor(0), ev(300, { ...anon("198.51.100.77"), verb: "create", resource: "pods", namespace: "default", name: "xmrig" })],
    incidents: [{ severity: "High", actor: "system:anonymous", evidence: { sourceIp: "198.51.100.77", anonymousSources: [SOURCE] } }],
  },
  {
    name: "an anonymous probe from inside the cluster, then the same pod's service account patches a deployment (Metadata level, no body)",
    events: [
      precursor(0, "10.244.1.23"),
      ev(120, { ...sa("web", "frontend", "10.244.1.23"), verb: "patch", resource: "deployments", apiGroup: "apps", namespace: "web", name: "frontend" }),
    ],
    incidents: [
      {
        severity: "High",
        actor: "system:serviceaccount:web:frontend",
        evidence: { writes: ["system:serviceaccount:web:frontend patched deployments web/frontend"] },
      },
    ],
  },
  {
    name: "the precursor in the previous fixed window, 55 minutes before the write, still counts",
    events: [precursor(-3000), bindingCreate(300, user("alice@contoso.com", SOURCE))],
    incidents: [{ severity: "High", evidence: { anonymousRequests: [`list /api/v1/namespaces/default/pods from ${SOURCE} at 2026-11-20T09:10:00.000Z`] } }],
  },
  {
    name: "several writes from the source are one incident; exec counts as a write",
    events: [
      precursor(0),
      bindingCreate(60, user("alice@contoso.com", SOURCE)),
      ev(120, {
        ...user("alice@contoso.com", SOURCE),
        verb: "create",
        resource: "pods",
        subresource: "exec",
        namespace: "default",
        name: "web-0",
        requestURI: "/api/v1/namespaces/default/pods/web-0/exec?command=sh",
        code: 101,
        stage: "ResponseStarted",
      }),
    ],
    incidents: [
      {
        severity: "High",
        eventCount: 2,
        evidence: { writes: ["alice@contoso.com created clusterrolebindings pwn", "alice@contoso.com created pods/exec default/web-0"] },
      },
    ],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "the precursor alone: an anonymous read, then nothing",
    events: [precursor(0)],
    incidents: [],
  },
  {
    name: "the follow-up alone: a write with no anonymous access before it",
    events: [bindingCreate(600, user("alice@contoso.com", SOURCE))],
    incidents: [],
  },
  {
    name: "a write from another IP",
    events: [precursor(0), bindingCreate(600, user("alice@contoso.com", "198.51.100.7"))],
    incidents: [],
  },
  {
    name: "the write before the anonymous access",
    events: [bindingCreate(0, user("alice@contoso.com", SOURCE)), precursor(600)],
    incidents: [],
  },
  {
    name: "the precursor outside the window (61 minutes before)",
    events: [precursor(0), bindingCreate(61 * 60, user("alice@contoso.com", SOURCE))],
    incidents: [],
  },
  {
    name: "public-path anonymous access (/healthz, /version), then a write from the same IP",
    events: [
      ev(0, { ...anon(), verb: "get", requestURI: "/healthz" }),
      ev(1, { ...anon(), verb: "get", requestURI: "/version" }),
      bindingCreate(600, user("alice@contoso.com", SOURCE)),
    ],
    incidents: [],
  },
  {
    name: "a refused anonymous request, then a write from the same IP",
    events: [ev(0, { ...anon(), verb: "list", resource: "secrets", code: 403 }), bindingCreate(600, user("alice@contoso.com", SOURCE))],
    incidents: [],
  },
  {
    name: "a lone anonymous write is anonymous-access's finding, not a follow-up to itself",
    events: [ev(0, { ...anon(), verb: "create", resource: "pods", namespace: "default", name: "xmrig" })],
    incidents: [],
  },
  {
    name: "control-plane controllers (kube-system service accounts), and lease renewals, from the same IP",
    events: [
      precursor(0, "10.224.0.4"),
      ev(60, { ...sa("kube-system", "replicaset-controller", "10.224.0.4"), verb: "create", resource: "pods", namespace: "web", name: "frontend-7d9f-abcde" }),
      ev(61, {
        ...sa("cert-manager", "cert-manager", "10.224.0.4"),
        verb: "update",
        resource: "leases",
        apiGroup: "coordination.k8s.io",
        namespace: "kube-system",
        name: "cert-manager-controller",
      }),
    ],
    incidents: [],
  },
  {
    name: "a shorter window from the config",
    config: { "anonymous-access-then-write": { windowMinutes: 5 } },
    events: [precursor(0), bindingCreate(600, user("alice@contoso.com", SOURCE))],
    incidents: [],
  },
];
