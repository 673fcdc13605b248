import { type DetectionFixture, ev, user } from "./fixture.js";

/** AKS logs update/patch of kube-system/coredns-custom at RequestResponse; other ConfigMap writes at Metadata. */
const customUpdate = (verb: string, data: Record<string, string>) => ({
  verb,
  resource: "configmaps",
  namespace: "kube-system",
  name: "coredns-custom",
  level: "RequestResponse" as const,
  requestObject: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns-custom", namespace: "kube-system" }, data },
  responseObject: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns-custom", namespace: "kube-system", resourceVersion: "918273" }, data },
});
const dnsWrite = (verb: string, name: string) => ({ verb, resource: "configmaps", namespace: "kube-system", name, level: "Metadata" as const });
const coredns = {
  username: "system:serviceaccount:kube-system:coredns",
  groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
};

export const positive: DetectionFixture[] = [
  {
    name: "coredns-custom updated to rewrite a bank's name to another host is Medium, with the directive in the title",
    events: [
      ev(0, {
        ...user("mallory@contoso.com", "203.0.113.42"),
        ...customUpdate("update", { "poison.override": "rewrite name login.contoso-bank.com evil.example.net\n" }),
      }),
    ],
    incidents: [
      {
        severity: "Medium",
        actor: "mallory@contoso.com",
        titleIncludes: ["mallory@contoso.com updated DNS ConfigMap kube-system/coredns-custom (rewrite name login.contoso-bank.com evil.example.net)"],
        evidence: { directives: ["rewrite name login.contoso-bank.com evil.example.net"] },
        targets: ["configmaps/kube-system/coredns-custom"],
      },
    ],
  },
  {
    name: "a forward zone and a hosts block in a patch are both shown",
    events: [
      ev(0, {
        ...user("dev@contoso.com"),
        ...customUpdate("patch", {
          "onprem.server": "corp.contoso.com:53 {\n  forward . 10.1.0.4\n}\n",
          "hosts.override": "hosts {\n  10.9.9.9 api.github.com\n  fallthrough\n}\n",
        }),
      }),
    ],
    incidents: [{ severity: "Medium", evidence: { directives: ["forward . 10.1.0.4", "hosts { 10.9.9.9 api.github.com; fallthrough }"] } }],
  },
  {
    name: "the AKS-managed coredns ConfigMap changed by a person is High, even logged without a body",
    events: [ev(0, { ...user("dev@contoso.com"), ...dnsWrite("update", "coredns") })],
    incidents: [{ severity: "High", titleIncludes: ["dev@contoso.com updated DNS ConfigMap kube-system/coredns"] }],
  },
  {
    name: "deleting coredns-custom is High",
    events: [ev(0, { ...user("dev@contoso.com"), ...dnsWrite("delete", "coredns-custom") })],
    incidents: [{ severity: "High" }],
  },
  {
    name: "creating coredns-custom (Metadata level on AKS) is Medium",
    events: [ev(0, { ...user("ops@contoso.com"), ...dnsWrite("create", "coredns-custom") })],
    incidents: [{ severity: "Medium" }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "the CoreDNS service account writing its own ConfigMap",
    events: [ev(0, { ...coredns, ...dnsWrite("update", "coredns") })],
    incidents: [],
  },
  {
    name: "AKS reconciling the coredns ConfigMap",
    events: [ev(0, { username: "aksService", groups: ["system:masters", "system:authenticated"], ...dnsWrite("update", "coredns") })],
    incidents: [],
  },
  {
    name: "a ConfigMap named coredns outside kube-system",
    events: [ev(0, { ...user("dev@contoso.com"), verb: "update", resource: "configmaps", namespace: "team-a", name: "coredns" })],
    incidents: [],
  },
  {
    name: "another kube-system ConfigMap",
    events: [ev(0, { ...user("dev@contoso.com"), ...dnsWrite("update", "cluster-autoscaler-status") })],
    incidents: [],
  },
  {
    name: "a refused update",
    events: [ev(0, { ...user("mallory@contoso.com"), ...customUpdate("update", { "x.override": "rewrite name a b" }), code: 403, decision: "forbid" })],
    incidents: [],
  },
  {
    name: "a platform team's pipeline allowlisted in the config",
    config: { "coredns-change": { allowActors: ["system:serviceaccount:platform:dns-pipeline"] } },
    events: [
      ev(0, {
        username: "system:serviceaccount:platform:dns-pipeline",
        groups: ["system:serviceaccounts", "system:authenticated"],
        ...customUpdate("update", { "onprem.server": "corp.contoso.com:53 {\n  forward . 10.1.0.4\n}\n" }),
      }),
    ],
    incidents: [],
  },
];
