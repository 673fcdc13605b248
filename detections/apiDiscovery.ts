/**
 * api-discovery — one identity orienting itself in the cluster: listing many kinds of object (namespaces,
 * nodes, pods, RBAC, configmaps, service accounts, secrets) within minutes, or being refused on many
 * kinds. It is the first thing a stolen token does, and the breadth of kinds, not the number of requests,
 * is what separates it from a controller that watches the same few resources all day.
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping, type Severity } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { AKS_PLATFORM_IDENTITIES, requestLabel, resourceOf, sourceOf } from "./lib/identity.js";
import { actorName, listForProse, printable } from "./lib/k8s.js";

/** What someone reads to learn a cluster (Elastic's orientation set, plus secrets). `kubectl get all` touches only pods of these. */
const ORIENTATION = ["namespaces", "nodes", "pods", "roles", "clusterroles", "rolebindings", "clusterrolebindings", "configmaps", "serviceaccounts", "secrets"];
const ACCOUNT_DISCOVERY = new Set(["serviceaccounts", "roles", "clusterroles", "rolebindings", "clusterrolebindings"]);

const settings = baseSettings({
  windowMinutes: 10,
  allowActors: [
    ...AKS_PLATFORM_IDENTITIES,
    "system:apiserver",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:serviceaccount:kube-system:*",
    // Operators of AKS add-ons and extensions whose informers list these kinds when they start (Azure
    // Policy/Gatekeeper, Calico, Arc, GitOps (Flux), app routing, Istio, backup), and Elastic's agent.
    "system:serviceaccount:gatekeeper-system:*",
    "system:serviceaccount:calico-system:*",
    "system:serviceaccount:tigera-operator:*",
    "system:serviceaccount:azure-arc:*",
    "system:serviceaccount:flux-system:*",
    "system:serviceaccount:app-routing-system:*",
    "system:serviceaccount:aks-istio-system:*",
    "system:serviceaccount:dataprotection-microsoft:*",
    "system:serviceaccount:elastic-system:*",
  ],
}).extend({
  /** Distinct kinds one identity read from one source within the window (Elastic: 3 in about 9 minutes; people reach 3 by hand). */
  distinctResources: z.number().int().min(2).default(5),
  /** Distinct kinds one identity was refused on from one source within the window (Elastic AKS: 4). */
  deniedResources: z.number().int().min(2).default(4),
  /** Automation clients whose syncs span many kinds (Elastic excludes the same); spoofable, so only reads are skipped. */
  ignoreUserAgents: z.array(z.string()).default(["Helm/*", "*Terraform*"]),
});

type Settings = z.infer<typeof settings>;

const DISCOVERY = "discovery";
const DENIED = "denied";
const REPORTED_TYPES = new Set(["user", "serviceaccount"]);

export const apiDiscovery = defineDetection<Settings>({
  id: "api-discovery",
  title: "API discovery across many kinds of object",
  description:
    "One identity read many kinds of cluster object (namespaces, nodes, pods, roles and bindings, configmaps, service accounts, secrets) within minutes, or was refused on many kinds. This is how a stolen token or an attacker's tool maps a cluster before going after secrets or privileges.",
  mitre: { tactics: ["Discovery"], techniques: ["T1613", "T1087.004"] },
  status: "experimental",
  severityLogic:
    "Medium when the identity was refused on `deniedResources` kinds, or when a service account read `distinctResources` kinds (workloads rarely orient themselves); Low when a user read `distinctResources` kinds.",
  runbook: [
    "Read Evidence.resources and Evidence.requests: what was mapped, and from which source and client (SourceIps, UserAgents).",
    "Ask the owner whether they ran this (a person troubleshooting, an operator starting); if it is a service account, check the pod it runs in: `kubectl get pods -A -o json | jq '.items[] | select(.spec.serviceAccountName==\"<sa>\")'`.",
    "If nobody did, treat the credential as stolen: rotate it and look for secret reads, exec and RBAC changes by the same actor.",
  ],
  catalogueRows: [6, 13],
  settings,
  select: [
    // Lists are enumeration; a service account's get of one named object (its own configmap) is routine.
    { resources: ORIENTATION, verbs: ["list"], actorTypes: ["user", "serviceaccount"] },
    { resources: ORIENTATION, verbs: ["get"], actorTypes: ["user"] },
    { denied: true },
  ],

  fold(event, s) {
    if (!REPORTED_TYPES.has(event.actorType)) return undefined;
    const resource = resourceOf(event);
    if (!resource) return undefined;
    const key = [event.user.username, sourceOf(event)];
    if (!isAllowed(event))
      return { key: [DENIED, ...key], items: { resource }, evidence: { request: `${requestLabel(event)} → ${event.responseCode ?? "forbid"}` } };
    if (!ORIENTATION.includes(resource)) return undefined;
    if (event.userAgent && s.ignoreUserAgents.length && matcherFor(s.ignoreUserAgents)(event.userAgent)) return undefined;
    return { key: [DISCOVERY, ...key], items: { resource }, evidence: { request: requestLabel(event) } };
  },

  evaluate(state, s) {
    const [variant, , source = ""] = state.key;
    const resources = state.itemsOf("resource");
    const denied = variant === DENIED;
    const threshold = denied ? s.deniedResources : s.distinctResources;
    if (resources.length < threshold) return undefined;
    const serviceAccount = state.actorType === "serviceaccount";
    const severity: Severity = denied || serviceAccount ? "Medium" : "Low";
    const actor = actorName(state.actor);
    const from = source ? ` from ${printable(source)}` : "";
    const accounts = resources.filter((r) => ACCOUNT_DISCOVERY.has(r));
    const mitre: MitreMapping = { tactics: ["Discovery"], techniques: accounts.length && !denied ? ["T1613", "T1087.004"] : ["T1613"] };
    const kinds = listForProse(resources, 6);
    return {
      severity,
      mitre,
      title: denied
        ? `${actor} was refused on ${resources.length} kinds of object${from}: ${kinds}`
        : `${actor} read ${resources.length} kinds of object${from}: ${kinds}`,
      description:
        `Within ${state.windowMs / 60_000} minutes ${actor}${from} ${denied ? "was refused on" : "listed or read"} ${resources.length} kinds of cluster object (${listForProse(resources, 10)}) in ${state.eventCount} request(s). ` +
        (denied
          ? "Being refused across many kinds is a credential probing what it may do."
          : `Reading this many kinds in minutes is how a cluster is mapped${serviceAccount ? "; a workload's service account rarely needs to" : ""}.`),
      evidence: { variant, resources, distinctResources: resources.length, requests: state.evidenceOf("request", 20), sourceIp: source },
      qualifyingEvents: threshold,
    };
  },
});
