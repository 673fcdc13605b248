/**
 * untrusted-source — requests from networks the user lists as hostile (threat-intel, TOR exit nodes,
 * anonymizing proxies), and system, node or service-account identities used from a public address
 * outside the cluster's own egress networks. The audit log shows the address; which addresses are
 * hostile or expected is the user's knowledge, so the detection is off until they list them.
 */
import type { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { inNetworks } from "../pipeline/detect/network.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { cidrList, networksOf, requestLabel } from "./lib/identity.js";
import { actorName, listForProse, printable } from "./lib/k8s.js";

const settings = baseSettings({
  windowMinutes: 60,
  // Off by default: both variants need lists only the user has. On AKS nodes and pods reach a public API
  // server from the cluster's outbound public IPs, so "public" alone would report every kubelet.
  enabled: false,
}).extend({
  /** Networks whose requests are hostile whoever makes them: threat-intel and TOR exit lists (CIDRs). */
  hostileNetworks: cidrList(),
  /**
   * The public networks the cluster's own identities connect from: its outbound IPs (load balancer, NAT
   * gateway), CI runners. System, node and service-account identities from any other public address are
   * reported; empty turns that variant off.
   */
  expectedNetworks: cidrList(),
});

type Settings = z.infer<typeof settings>;

const HOSTILE = "hostile";
const SYSTEM = "system-identity";
const SYSTEM_TYPES = new Set(["serviceaccount", "node", "system", "aks-managed"]);

export const untrustedSource = defineDetection<Settings>({
  id: "untrusted-source",
  title: "API request from a hostile or unexpected network",
  description:
    "Requests from a network listed as hostile (threat-intel, TOR exit nodes, anonymizing proxies), or a service account, node or system identity used from a public address outside the cluster's own egress networks: its credential is being used from somewhere else, usually because it was stolen. Off by default: it needs the lists `hostileNetworks` and `expectedNetworks`, which only the user has.",
  mitre: { tactics: ["CommandAndControl", "InitialAccess", "CredentialAccess"], techniques: ["T1090", "T1078", "T1528"] },
  status: "experimental",
  severityLogic:
    "High when the API server allowed any of the requests (from a hostile network, or by a system identity from an unexpected public address); Medium when it refused them all.",
  runbook: [
    "Read Evidence.sourceIp and Evidence.requests: who used the address and what they got.",
    "For a service account or node, find where its token lives and rotate it (delete the pod or token secret; for a node, reimage it); then review what the identity did from that address.",
    "Block the address (AKS authorized IP ranges: `az aks update --api-server-authorized-ip-ranges`) and add the cluster's real egress IPs to expectedNetworks if this was one of them.",
  ],
  catalogueRows: [8, 9],
  settings,
  select: { publicSource: true },

  fold(event, s) {
    const hostile = s.hostileNetworks.length ? event.sourceIps.find((ip) => inNetworks(ip, networksOf(s.hostileNetworks))) : undefined;
    const source = event.sourceIps[0] ?? "";
    let variant: string;
    let address: string;
    if (hostile !== undefined) {
      variant = HOSTILE;
      address = hostile;
    } else if (s.expectedNetworks.length && SYSTEM_TYPES.has(event.actorType) && !inNetworks(source, networksOf(s.expectedNetworks))) {
      variant = SYSTEM;
      address = source;
    } else return undefined;
    const allowed = isAllowed(event);
    return {
      key: [variant, event.user.username, address],
      items: { allowed: allowed ? event.auditId : undefined },
      evidence: { request: `${requestLabel(event)} → ${event.responseCode ?? event.decision ?? "?"}` },
    };
  },

  evaluate(state) {
    const [variant, , address = ""] = state.key;
    const allowed = state.count("allowed");
    const severity: Severity = allowed > 0 ? "High" : "Medium";
    const actor = actorName(state.actor) || "an unknown identity";
    const requests = state.evidenceOf("request", 20);
    const hostile = variant === HOSTILE;
    const mitre: MitreMapping = hostile
      ? { tactics: ["CommandAndControl", "InitialAccess"], techniques: ["T1090", "T1078"] }
      : { tactics: ["InitialAccess", "CredentialAccess"], techniques: ["T1078", "T1528"] };
    const outcome = allowed === 0 ? "all refused" : allowed === state.eventCount ? "allowed" : `${allowed} allowed`;
    const kind = state.actorType === "serviceaccount" ? "Service account" : state.actorType === "node" ? "Node" : "System identity";
    return {
      severity,
      mitre,
      title: hostile
        ? `${actor} sent ${state.eventCount} request(s) from hostile network address ${printable(address)} (${outcome})`
        : `${kind} ${actor} used from unexpected public address ${printable(address)}: ${state.eventCount} request(s), ${outcome}`,
      description:
        (hostile
          ? `${actor} sent ${state.eventCount} request(s) from ${printable(address)}, which is in hostileNetworks`
          : `${actor} connected from public address ${printable(address)}, outside expectedNetworks: a cluster identity's credential used from elsewhere`) +
        `, such as ${listForProse(
          requests.slice(0, 3).map((r) => `\`${r}\``),
          3,
        )}.${allowed ? ` The API server allowed ${allowed} of them.` : " The API server refused them all."}`,
      evidence: { variant, sourceIp: address, allowed, refused: state.eventCount - allowed, requests },
      qualifyingEvents: 1,
    };
  },
});
