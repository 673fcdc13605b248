/**
 * first-seen-access — an identity doing something sensitive (reading secrets, exec, port-forward, kubelet
 * proxy, RBAC writes, workload changes, minting tokens) from a client or network it has never used for
 * that before, once a learning period has passed. A stolen credential keeps its name but not its owner's
 * laptop, office or pod: the new user agent or source network is what gives it away.
 *
 * Memory, per identity: when its first sensitive request was seen (the learning start), and the user-agent
 * families and /24 (/48) networks its allowed sensitive requests came from (capped lists, least recently
 * seen dropped first), each with when it was first and last seen. A client or network first seen after
 * the learning period is news for the rest of that window (every request from it joins the incident) and
 * known from the next window on. Memory is last-writer-wins by event time
 * across concurrent batches: a lost update can only make a known client or network look new again, so it
 * costs a repeat alert, never a missed one. The one exception is the learning start, which a first event
 * arriving out of order can move later by at most its lateness.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type RememberedFacts } from "../pipeline/detect/detection.js";
import { isPublicAddress, networkOf } from "../pipeline/detect/network.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { requestLabel, resourceOf, sourceOf, userAgentFamily } from "./lib/identity.js";
import { actorName, asArray, asString, listForProse, printable, WRITE_VERBS } from "./lib/k8s.js";

const DAY = 24 * 60 * 60 * 1000;
/** Distinct agents and networks remembered per identity. */
const CAP = 32;
/** A known agent or network is re-stamped as seen at most once a day, so steady use costs no writes. */
const REFRESH_MS = DAY;
/** Networks are remembered at this granularity; coarser `v4Prefix`/`v6Prefix` settings are derived from it. */
const STORED_V4 = 24;
const STORED_V6 = 48;

const settings = baseSettings({ windowMinutes: 24 * 60 }).extend({
  /** Days after an identity's first sensitive request during which its clients and networks are only learned. */
  learningDays: z.number().int().min(1).max(60).default(7),
  /** IPv4 addresses in the same network of this prefix length are one source (at most 24: /24 is what is remembered). */
  v4Prefix: z.number().int().min(8).max(STORED_V4).default(24),
  /** IPv6 addresses in the same network of this prefix length are one source (at most 48). */
  v6Prefix: z.number().int().min(16).max(STORED_V6).default(48),
  /** A service account's private addresses count as one network: its pods move between nodes, and each node has its own pod range. */
  podNetworksAsOne: z.boolean().default(true),
  /** Report a new user-agent family (product and platform, versions ignored). */
  newUserAgents: z.boolean().default(true),
  /** Report a new source network. */
  newNetworks: z.boolean().default(true),
});

type Settings = z.infer<typeof settings>;

const RBAC = ["roles", "clusterroles", "rolebindings", "clusterrolebindings"];
const WORKLOADS = ["deployments", "daemonsets", "statefulsets", "cronjobs", "jobs"];
const BASELINED_TYPES = ["user", "serviceaccount"] as const;
const SECRET_ACCESS = new Set(["secrets", "serviceaccounts/token"]);
const CHANGES = new Set([...RBAC, ...WORKLOADS]);

/** Entries of a remembered list: [value, first seen, last seen]. */
type Entry = [string, number, number];

export const firstSeenAccess = defineDetection<Settings>({
  id: "first-seen-access",
  title: "Sensitive request from a new client or network",
  description:
    "An identity read secrets, exec'd or port-forwarded into pods, reached a kubelet, minted a token, or changed RBAC or workloads from a user agent or source network it had not used for such requests before, after a learning period. A stolen credential keeps its name but not its owner's machine or network. kube-system service accounts are not baselined: they are the control plane's own controllers.",
  mitre: { tactics: ["InitialAccess", "CredentialAccess", "Persistence"], techniques: ["T1078", "T1552.007", "T1098.006"] },
  status: "experimental",
  severityLogic: "Medium for any sensitive request from a new user-agent family or network once the identity's learning period (`learningDays`) has passed.",
  runbook: [
    "Read Evidence.newUserAgents, Evidence.newNetworks and Evidence.requests: what was new and what was done with it.",
    "Ask the identity's owner whether they changed machine, network or tool; for a service account, check whether its pod moved or a new version ships another client.",
    "If not, treat the credential as stolen: revoke it (Entra sign-out and token revocation, or delete the service account's token and pod), and review everything it did from the new source.",
  ],
  catalogueRows: [18, 45],
  orderSensitive: true,
  settings,
  select: [
    { resources: ["secrets"], verbs: ["get", "list"], actorTypes: BASELINED_TYPES },
    { resources: ["pods/exec", "pods/attach", "pods/portforward", "nodes/proxy"], actorTypes: BASELINED_TYPES },
    { resources: ["pods/ephemeralcontainers"], verbs: ["update", "patch"], actorTypes: BASELINED_TYPES },
    { resources: ["serviceaccounts/token"], verbs: ["create"], actorTypes: BASELINED_TYPES },
    { resources: RBAC, verbs: WRITE_VERBS, actorTypes: BASELINED_TYPES },
    { resources: WORKLOADS, verbs: ["create", "update", "patch"], actorTypes: BASELINED_TYPES },
  ],

  memory: {
    ttlDays: 90,
    keys: (event) => (baselined(event) ? [memoryKey(event)] : []),
    remember(event, recall) {
      if (!baselined(event) || !isAllowed(event)) return undefined;
      const t = event.time;
      const agent = userAgentFamily(event.userAgent);
      const network = networkOf(sourceOf(event), STORED_V4, STORED_V6) ?? "(unknown)";
      const known = recall(memoryKey(event));
      if (!known) return { object: memoryKey(event), facts: { start: t, agents: [[agent, t, t]], networks: [[network, t, t]] } };
      const start = Math.min(startOf(known), t);
      const agents = entriesOf(known.agents);
      const networks = entriesOf(known.networks);
      // Both lists are touched whatever the first one says.
      const agentChanged = touch(agents, agent, t);
      const networkChanged = touch(networks, network, t);
      if (!agentChanged && !networkChanged && start === startOf(known)) return undefined;
      return { object: memoryKey(event), facts: { start, agents: capped(agents), networks: capped(networks) } };
    },
  },

  fold(event, s, recall) {
    if (!baselined(event)) return undefined;
    const known = recall(memoryKey(event));
    if (!known) return undefined;
    const learningEnd = startOf(known) + s.learningDays * DAY;
    if (event.time < learningEnd) return undefined;
    // Known: learned during the learning period, or first seen in an earlier window (and reported then).
    // Seen first in this window after learning, it stays new, so every request from it joins the incident.
    const windowMs = s.windowMinutes * 60_000;
    const knownBefore = Math.max(learningEnd, Math.floor(event.time / windowMs) * windowMs);
    const agent = userAgentFamily(event.userAgent);
    const newAgent = s.newUserAgents && !entriesOf(known.agents).some(([value, first]) => value === agent && first < knownBefore);
    const source = sourceOf(event);
    const network = sourceNetwork(source, event, s);
    const newNetwork = s.newNetworks && !entriesOf(known.networks).some(([value, first]) => first < knownBefore && storedNetwork(value, event, s) === network);
    if (!newAgent && !newNetwork) return undefined;
    const resource = resourceOf(event);
    const allowed = isAllowed(event);
    return {
      key: [event.user.username],
      items: {
        newUserAgent: newAgent ? agent : undefined,
        newNetwork: newNetwork ? network : undefined,
        secretAccess: SECRET_ACCESS.has(resource) ? event.auditId : undefined,
        change: CHANGES.has(resource) ? event.auditId : undefined,
      },
      evidence: {
        request: `${requestLabel(event)}${allowed ? "" : ` → ${event.responseCode ?? "refused"}`}`,
        userAgent: newAgent ? printable(event.userAgent, 200) : undefined,
        sourceIp: newNetwork ? source : undefined,
      },
    };
  },

  evaluate(state, s) {
    const agents = state.itemsOf("newUserAgent");
    const networks = state.itemsOf("newNetwork");
    const actor = actorName(state.actor);
    const requests = state.evidenceOf("request", 20);
    const techniques = ["T1078"];
    const tactics = ["InitialAccess"];
    if (state.count("secretAccess") > 0) {
      techniques.push("T1552.007");
      tactics.push("CredentialAccess");
    }
    if (state.count("change") > 0) {
      techniques.push("T1098.006");
      tactics.push("Persistence");
    }
    const mitre: MitreMapping = { tactics, techniques };
    const news = [
      ...(networks.length ? [`new network${networks.length > 1 ? "s" : ""} ${listForProse(networks, 3)}`] : []),
      ...(agents.length ? [`new client${agents.length > 1 ? "s" : ""} ${listForProse(agents, 3)}`] : []),
    ];
    const what = news.join(" and ");
    return {
      severity: "Medium",
      mitre,
      title: `${actor} used ${what} for sensitive requests: ${listForProse(requests, 2)}`,
      description:
        `${actor} made ${state.eventCount} sensitive request(s) from ${what}, which it had not used for sensitive requests since its baseline began (learning period ${s.learningDays} days): ${listForProse(requests, 8)}.` +
        (agents.length ? ` User agents: ${listForProse(state.evidenceOf("userAgent", 3), 3)}.` : "") +
        (networks.length ? ` Source addresses: ${listForProse(state.evidenceOf("sourceIp", 5), 5)}.` : ""),
      evidence: { newUserAgents: agents, newNetworks: networks, requests, userAgents: state.evidenceOf("userAgent"), sourceIps: state.evidenceOf("sourceIp") },
      qualifyingEvents: 1,
    };
  },
});

/** Users and service accounts outside kube-system: the control plane's controllers are not baselined. */
function baselined(event: AuditEvent): boolean {
  if (event.actorType === "user") return event.user.username !== "";
  return event.actorType === "serviceaccount" && !event.user.username.startsWith("system:serviceaccount:kube-system:");
}

function memoryKey(event: AuditEvent): string {
  return `actor/${event.user.username}`;
}

function startOf(facts: RememberedFacts): number {
  return typeof facts.start === "number" ? facts.start : Number.POSITIVE_INFINITY;
}

function entriesOf(value: unknown): Entry[] {
  const out: Entry[] = [];
  for (const item of asArray(value)) {
    const [v, first, last] = asArray(item);
    if (typeof v === "string" && typeof first === "number" && typeof last === "number") out.push([v, first, last]);
  }
  return out;
}

/** Records a sighting; true when the list changed enough to be worth a write. */
function touch(entries: Entry[], value: string, t: number): boolean {
  const entry = entries.find(([v]) => v === value);
  if (!entry) {
    entries.push([value, t, t]);
    return true;
  }
  let changed = false;
  if (t < entry[1]) {
    entry[1] = t;
    changed = true;
  }
  if (t - entry[2] >= REFRESH_MS) {
    entry[2] = t;
    changed = true;
  }
  return changed;
}

/** The CAP most recently seen entries, in a stable order. */
function capped(entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => b[2] - a[2] || (a[0] < b[0] ? -1 : 1)).slice(0, CAP);
}

/** The network an address counts as under the settings: a prefix, or one pod network for a service account. */
function sourceNetwork(ip: string, event: AuditEvent, s: Settings): string {
  if (s.podNetworksAsOne && event.actorType === "serviceaccount" && ip !== "" && !isPublicAddress(ip)) return "private addresses";
  return networkOf(ip, s.v4Prefix, s.v6Prefix) ?? "(unknown)";
}

/** A remembered /24 or /48, seen at the settings' prefix (its base address stands for the network). */
function storedNetwork(stored: string, event: AuditEvent, s: Settings): string {
  const base = asString(stored.split("/")[0]);
  return base === "(unknown)" ? base : sourceNetwork(base, event, s);
}
