import type { EventSpec } from "../../scripts/synthetic/auditRecords.js";
import { type DetectionFixture, ev } from "./fixture.js";

type Spec = Omit<EventSpec, "auditID" | "time">;

/** A kubelet registering its Node, as logged at RequestResponse. */
const register = (name: string, who: { username: string; groups: string[] }, extra: Partial<Spec> = {}): Spec => ({
  ...who,
  sourceIP: "10.224.0.9",
  userAgent: "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46",
  verb: "create",
  resource: "nodes",
  name,
  requestURI: "/api/v1/nodes",
  level: "RequestResponse",
  requestObject: { kind: "Node", apiVersion: "v1", metadata: { name, labels: { "kubernetes.io/hostname": name } } },
  ...extra,
});
const kubelet = (node: string) => ({ username: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"] });
const refused = { code: 403, decision: "forbid" as const };

export const positive: DetectionFixture[] = [
  {
    name: "a node outside the node pools joined with a kubelet certificate of its own name: High",
    events: [ev(0, register("attacker-vm", kubelet("attacker-vm")))],
    incidents: [
      {
        severity: "High",
        actor: "system:node:attacker-vm",
        titleIncludes: ["system:node:attacker-vm registered node attacker-vm: name outside the node pools"],
        evidence: { nodes: ["attacker-vm"], joined: true },
      },
    ],
  },
  {
    name: "a person creating a Node object with an AKS-like name: not a kubelet, High",
    events: [ev(0, register("aks-nodepool1-38516731-vmss000009", { username: "masterclient", groups: ["system:masters", "system:authenticated"] }))],
    incidents: [{ severity: "High", titleIncludes: ["registered by an identity that is not a kubelet"] }],
  },
  {
    name: "one node's kubelet registering another node is refused (NodeRestriction): Medium",
    events: [ev(0, register("aks-nodepool1-38516731-vmss000004", kubelet("aks-nodepool1-38516731-vmss000001"), refused))],
    incidents: [
      { severity: "Medium", titleIncludes: ["tried to register node aks-nodepool1-38516731-vmss000004 (refused): registered by another node's identity"] },
    ],
  },
  {
    name: "a bootstrap token (group system:bootstrappers) may only request a certificate: its node creation is refused and reported",
    events: [
      ev(
        0,
        register(
          "aks-nodepool1-38516731-vmss000007",
          { username: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:authenticated"] },
          refused,
        ),
      ),
    ],
    incidents: [{ severity: "Medium", actor: "system:bootstrap:abcdef" }],
  },
  {
    name: "logged at Metadata level, the kubelet's username names the node",
    events: [ev(0, { ...register("", kubelet("evil-node")), level: "Metadata", requestObject: undefined })],
    incidents: [{ severity: "High", evidence: { nodes: ["evil-node"] } }],
  },
  {
    name: "repeated refused attempts are one incident (Falco's unsuccessful-join rule)",
    events: [0, 30, 60].map((t) => ev(t, register("rogue", kubelet("rogue"), refused))),
    incidents: [{ severity: "Medium", eventCount: 3 }],
  },
];

export const negative: DetectionFixture[] = [
  {
    name: "an AKS kubelet registering itself",
    events: [ev(0, register("aks-nodepool1-38516731-vmss000003", kubelet("aks-nodepool1-38516731-vmss000003")))],
    incidents: [],
  },
  {
    name: "a Windows node pool's kubelet (aks<pool><index>)",
    events: [ev(0, register("aksnpwin000002", kubelet("aksnpwin000002")))],
    incidents: [],
  },
  {
    name: "the legacy AKS kubelet identity nodeclient (group system:nodes)",
    events: [ev(0, register("aks-agentpool-12345678-0", { username: "nodeclient", groups: ["system:nodes", "system:authenticated"] }))],
    incidents: [],
  },
  {
    name: "the ACI connector registering the virtual node",
    events: [
      ev(
        0,
        register("virtual-node-aci-linux", {
          username: "system:serviceaccount:kube-system:aci-connector-linux",
          groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        }),
      ),
    ],
    incidents: [],
  },
  {
    name: "a kubelet's status update is not a join",
    events: [ev(0, { ...register("attacker-vm", kubelet("attacker-vm")), verb: "patch", subresource: "status", level: "Request" })],
    incidents: [],
  },
  {
    name: "allowedNodeNames extended for self-managed nodes",
    config: { "node-join": { allowedNodeNames: ["aks*", "gpu-*"] } },
    events: [ev(0, register("gpu-node-1", kubelet("gpu-node-1")))],
    incidents: [],
  },
];
