import { type DetectionFixture, ev } from "./fixture.js";

const anon = (sourceIP = "203.0.113.9") => ({ username: "system:anonymous", groups: ["system:unauthenticated"], sourceIP, userAgent: "curl/8.5.0" });
const refused = { code: 403, decision: "forbid" as const };

export const positive: DetectionFixture[] = [
  {
    name: "an allowed anonymous read of pods is High",
    events: [ev(0, { ...anon(), verb: "list", resource: "pods", namespace: "default" })],
    incidents: [{ severity: "High", actor: "system:anonymous", titleIncludes: ["list /api/v1/namespaces/default/pods"] }],
  },
  {
    name: "a client in group system:unauthenticated with another username is anonymous too",
    events: [
      ev(0, { username: "", groups: ["system:unauthenticated"], sourceIP: "203.0.113.9", verb: "get", requestURI: "/api/v1/namespaces/default/configmaps" }),
    ],
    incidents: [{ severity: "High" }],
  },
  {
    name: "allowed anonymous writes are High, one incident per source and window",
    events: [
      ev(0, { ...anon(), verb: "create", resource: "namespaces", name: "foo" }),
      ev(30, { ...anon(), verb: "create", resource: "pods", namespace: "foo" }),
    ],
    incidents: [{ severity: "High", eventCount: 2 }],
  },
  {
    name: "an anonymous pod create (Elastic's row 2) is named in the title and evidence, the name read from the body",
    events: [
      ev(0, {
        ...anon(),
        verb: "create",
        resource: "pods",
        namespace: "default",
        level: "RequestResponse",
        requestObject: { kind: "Pod", apiVersion: "v1", metadata: { name: "xmrig" }, spec: { containers: [{ name: "m", image: "xmrig/xmrig" }] } },
      }),
    ],
    incidents: [
      { severity: "High", titleIncludes: ["Anonymous pod writes allowed: created pod default/xmrig"], evidence: { podWrites: ["created pod default/xmrig"] } },
    ],
  },
  {
    name: "an anonymous pod patch logged at Metadata level (no body) still names the pod from the object reference",
    events: [ev(0, { ...anon(), verb: "patch", resource: "pods", namespace: "prod", name: "api-0" })],
    incidents: [{ severity: "High", evidence: { podWrites: ["patched pod prod/api-0"] } }],
  },
  {
    name: "an anonymous read of pods is not a pod write",
    events: [ev(0, { ...anon(), verb: "get", resource: "pods", namespace: "prod", name: "api-0" })],
    incidents: [{ severity: "High", evidence: { podWrites: [] } }],
  },
  {
    name: "a probe across four API resource types is an API enumeration; 401, 403 and 404 answers are counted (Elastic's row 3)",
    events: [
      ev(0, { ...anon(), verb: "list", resource: "secrets", ...refused }),
      ev(1, { ...anon(), verb: "list", resource: "nodes", code: 401 }),
      ev(2, { ...anon(), verb: "list", resource: "pods", namespace: "kube-system", ...refused }),
      ev(3, { ...anon(), verb: "list", resource: "clusterrolebindings", apiGroup: "rbac.authorization.k8s.io", ...refused }),
      ev(4, { ...anon(), verb: "get", resource: "configmaps", namespace: "kube-system", name: "nope", code: 404 }),
    ],
    incidents: [
      {
        severity: "Medium",
        titleIncludes: ["Anonymous API enumeration", "across 5 resource types"],
        evidence: {
          resources: ["secrets", "nodes", "pods", "clusterrolebindings", "configmaps"],
          statuses: ["403 forbidden", "401 unauthorized", "404 not found"],
        },
      },
    ],
  },
  {
    name: "a probe of five paths over three resource types is probing, not an API enumeration",
    events: [...["secrets", "nodes", "pods"], "/.env", "/metrics"].map((r, i) =>
      ev(i, { ...anon(), verb: "get", ...(r.startsWith("/") ? { requestURI: r } : { resource: r }), ...refused }),
    ),
    incidents: [{ severity: "Medium", titleIncludes: ["Anonymous probing"], evidence: { resources: ["secrets", "nodes", "pods"] } }],
  },
  {
    name: "the resource-type threshold of an API enumeration comes from the config",
    config: { "anonymous-access": { apiEnumerationResources: 3 } },
    events: [...["secrets", "nodes", "pods"], "/.env", "/metrics"].map((r, i) =>
      ev(i, { ...anon(), verb: "get", ...(r.startsWith("/") ? { requestURI: r } : { resource: r }), ...refused }),
    ),
    incidents: [{ severity: "Medium", titleIncludes: ["Anonymous API enumeration", "across 3 resource types"] }],
  },
  {
    name: "refused requests to five distinct paths from one source are a probe (Medium)",
    events: ["/api/v1/secrets", "/api/v1/nodes", "/apis", "/.env", "/metrics"].map((path, i) =>
      ev(i, { ...anon(), verb: "get", requestURI: path, ...refused }),
    ),
    incidents: [{ severity: "Medium", eventCount: 5, titleIncludes: ["Anonymous probing", "5 distinct paths refused"] }],
  },
  {
    name: "allowed reads and a probe from one source are two incidents",
    events: [
      ...["/a", "/b", "/c", "/d", "/e"].map((path, i) => ev(i, { ...anon(), verb: "get", requestURI: path, code: 404 })),
      ev(10, { ...anon(), verb: "get", requestURI: "/api/v1/namespaces/default/pods" }),
    ],
    incidents: [{ severity: "Medium" }, { severity: "High" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "public health, version and discovery endpoints",
    events: ["/healthz", "/livez", "/readyz?verbose", "/readyz/etcd", "/version", "/.well-known/openid-configuration", "/openid/v1/jwks"].map((path, i) =>
      ev(i, { ...anon(), verb: "get", requestURI: path }),
    ),
    incidents: [],
  },
  {
    name: "four refused paths are below the probe threshold",
    events: ["/a", "/b", "/c", "/d"].map((path, i) => ev(i, { ...anon(), verb: "get", requestURI: path, ...refused })),
    incidents: [],
  },
  {
    name: "one path refused many times is not a probe of many paths",
    events: Array.from({ length: 10 }, (_, i) => ev(i, { ...anon(), verb: "get", requestURI: "/api", ...refused })),
    incidents: [],
  },
  {
    name: "refused paths from different sources are not one probe",
    events: ["/a", "/b", "/c", "/d", "/e"].map((path, i) => ev(i, { ...anon(`203.0.113.${i + 1}`), verb: "get", requestURI: path, ...refused })),
    incidents: [],
  },
  {
    name: "probes in different windows do not add up",
    events: ["/a", "/b", "/c", "/d", "/e"].map((path, i) => ev(i * 20 * 60, { ...anon(), verb: "get", requestURI: path, ...refused })),
    incidents: [],
  },
  {
    name: "an authenticated user reading pods",
    events: [ev(0, { username: "alice@contoso.com", groups: ["system:authenticated"], verb: "list", resource: "pods", namespace: "default" })],
    incidents: [],
  },
  {
    name: "a custom public path from the config",
    config: { "anonymous-access": { publicPaths: ["/healthz", "/metrics"] } },
    events: [ev(0, { ...anon(), verb: "get", requestURI: "/metrics" })],
    incidents: [],
  },
];
