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
    name: "refused requests to five distinct paths from one source are a probe (Medium)",
    events: ["/api/v1/secrets", "/api/v1/nodes", "/apis", "/.env", "/metrics"].map((path, i) =>
      ev(i, { ...anon(), verb: "get", requestURI: path, ...refused }),
    ),
    incidents: [{ severity: "Medium", eventCount: 5, titleIncludes: ["5 distinct paths refused"] }],
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
