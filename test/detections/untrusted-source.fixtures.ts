import { type DetectionFixture, ev, user } from "./fixture.js";

// What a user would list: a TOR exit range from their threat-intel feed, and the cluster's outbound IPs.
const ON = { enabled: true, hostileNetworks: ["185.220.101.0/24", "2001:db8:dead::/48"], expectedNetworks: ["20.127.0.0/24"] };
const config = (extra: Record<string, unknown> = {}) => ({ "untrusted-source": { ...ON, ...extra } });
const coredns = {
  username: "system:serviceaccount:kube-system:coredns",
  groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
};
const node = { username: "system:node:aks-nodepool1-12345-vmss000001", groups: ["system:nodes", "system:authenticated"] };

export const positive: DetectionFixture[] = [
  {
    name: "a user's kubectl from a TOR exit node is High when allowed (Panther's IOC activity)",
    config: config(),
    events: [ev(0, { ...user("admin@contoso.com", "185.220.101.47"), verb: "list", resource: "pods", namespace: "default" })],
    incidents: [
      {
        severity: "High",
        actor: "admin@contoso.com",
        titleIncludes: ["admin@contoso.com sent 1 request(s) from hostile network address 185.220.101.47 (allowed)"],
        evidence: { variant: "hostile", sourceIp: "185.220.101.47", allowed: 1 },
      },
    ],
  },
  {
    name: "hostile requests all refused are Medium; IPv6 networks work too",
    config: config(),
    events: [ev(0, { ...user("admin@contoso.com", "2001:db8:dead:1::9"), verb: "list", resource: "secrets", code: 403, decision: "forbid" })],
    incidents: [{ severity: "Medium", titleIncludes: ["(all refused)"] }],
  },
  {
    name: "a kube-system service account from a public address outside the cluster's egress is High (Panther's system principal rule)",
    config: config(),
    events: [ev(0, { ...coredns, sourceIP: "8.8.8.8", verb: "list", resource: "nodes", userAgent: "Go-http-client/2.0" })],
    incidents: [{ severity: "High", titleIncludes: ["Service account system:serviceaccount:kube-system:coredns used from unexpected public address 8.8.8.8"] }],
  },
  {
    name: "a node identity from an unexpected public address, refused, is Medium",
    config: config(),
    events: [ev(0, { ...node, sourceIP: "1.2.3.4", verb: "get", resource: "secrets", namespace: "payments", name: "db", code: 403, decision: "forbid" })],
    incidents: [{ severity: "Medium", titleIncludes: ["Node system:node:aks-nodepool1-12345-vmss000001"] }],
  },
  {
    name: "one incident per identity, address and window",
    config: config(),
    events: ["pods", "secrets", "configmaps"].map((resource, i) => ev(i * 60, { ...coredns, sourceIP: "8.8.8.8", verb: "list", resource })),
    incidents: [{ severity: "High", eventCount: 3 }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "off by default, even for a listed network",
    config: { "untrusted-source": { hostileNetworks: ["185.220.101.0/24"] } },
    events: [ev(0, { ...user("admin@contoso.com", "185.220.101.47"), verb: "list", resource: "pods" })],
    incidents: [],
  },
  {
    name: "a node from the cluster's own egress network (Panther's AKS node from an Azure IP)",
    config: config(),
    events: [ev(0, { ...node, sourceIP: "20.127.0.100", verb: "create", resource: "leases", apiGroup: "coordination.k8s.io", namespace: "kube-node-lease" })],
    incidents: [],
  },
  {
    name: "a user from an ordinary public address: only system identities need to stay home",
    config: config(),
    events: [ev(0, { ...user("admin@contoso.com", "5.5.5.5"), verb: "list", resource: "pods" })],
    incidents: [],
  },
  {
    name: "system identities from private addresses, and a pod whose first address is private (Panther's mixed-address case)",
    config: config(),
    events: [
      ev(0, { ...coredns, sourceIP: "10.0.27.115", verb: "list", resource: "endpointslices", apiGroup: "discovery.k8s.io" }),
      ev(1, { ...coredns, sourceIP: "10.224.0.4", verb: "list", resource: "pods" }),
    ],
    incidents: [],
  },
  {
    name: "without expectedNetworks the system-identity variant is off",
    config: config({ expectedNetworks: [] }),
    events: [ev(0, { ...coredns, sourceIP: "8.8.8.8", verb: "list", resource: "nodes" })],
    incidents: [],
  },
  {
    name: "anonymous scanners from an unlisted public address",
    config: config(),
    events: [
      ev(0, { username: "system:anonymous", groups: ["system:unauthenticated"], sourceIP: "176.65.134.20", verb: "get", requestURI: "/api", code: 403 }),
    ],
    incidents: [],
  },
];
