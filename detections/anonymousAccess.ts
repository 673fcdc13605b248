/**
 * anonymous-access — requests by `system:anonymous` / group `system:unauthenticated` that the API server
 * allowed beyond its public endpoints (High), and, as a separate incident, a source probing many
 * distinct paths anonymously and being refused.
 */
import { z } from "zod";
import { baseSettings, defineDetection } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { listForProse, pathOf, printable } from "./lib/k8s.js";

const settings = baseSettings({ windowMinutes: 15 }).extend({
  /** Paths anonymous clients may read on every cluster (`*` matches any run of characters). */
  publicPaths: z
    .array(z.string())
    .default(["/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz", "/readyz/*", "/version", "/.well-known/openid-configuration", "/openid/v1/jwks"]),
  /** Distinct refused paths from one source within the window that make a probe. */
  probeDistinctPaths: z.number().int().min(2).default(5),
});

type Settings = z.infer<typeof settings>;

const ALLOWED = "allowed";
const PROBING = "probing";

export const anonymousAccess = defineDetection<Settings>({
  id: "anonymous-access",
  title: "Anonymous access to the API server",
  description:
    "Unauthenticated requests that the API server allowed beyond its public health and discovery endpoints, which means RBAC grants something to system:anonymous or system:unauthenticated; or a burst of refused anonymous requests that probes the API for what is open.",
  mitre: { tactics: ["InitialAccess", "Discovery"], techniques: ["T1078.001", "T1190", "T1613"] },
  status: "stable",
  severityLogic:
    "High for any allowed anonymous request outside the public paths (reads and writes alike: RBAC grants something to everyone); Medium for a source refused on `probeDistinctPaths` distinct paths in the window.",
  runbook: [
    "List bindings that name system:anonymous or system:unauthenticated: `kubectl get clusterrolebindings,rolebindings -A -o json | jq '.items[] | select(.subjects[]?.name | test(\"system:(anonymous|unauthenticated)\"))'`.",
    "Remove the binding (or set --anonymous-auth=false where you control it); on AKS, check for a public API server and add authorized IP ranges.",
    "Look at what the allowed requests returned or changed (Evidence.requests) and hunt for the source IP in the other incidents.",
  ],
  catalogueRows: [1, 2, 3],
  settings,
  select: { actorTypes: ["anonymous"] },

  fold(event, s) {
    const path = pathOf(event.requestUri);
    const source = event.sourceIps[0] ?? "";
    const request = `${event.verb} ${printable(path, 300)}`;
    if (isAllowed(event)) {
      if (matcherFor(s.publicPaths)(path)) return undefined;
      return { key: [ALLOWED, source], items: { request }, evidence: { request: `${request} → ${event.responseCode ?? "?"}` } };
    }
    return { key: [PROBING, source], items: { path: printable(path, 300) }, evidence: { request: `${request} → ${event.responseCode ?? "?"}` } };
  },

  evaluate(state, s) {
    const [variant, source = ""] = state.key;
    const requests = state.evidenceOf("request", 20);
    const cluster = state.cluster.name || "the cluster";
    if (variant === ALLOWED) {
      const allowed = state.itemsOf("request");
      return {
        severity: "High",
        title: `Anonymous requests allowed on ${cluster} from ${source || "an unknown source"}: ${listForProse(allowed.slice(0, 2), 2)}`,
        description: `The API server of ${cluster} allowed ${state.eventCount} unauthenticated request(s) from ${source || "an unknown source"} outside the public endpoints: ${listForProse(allowed, 5)}. Check ClusterRoleBindings and RoleBindings whose subjects include system:anonymous or system:unauthenticated.`,
        evidence: { requests, sourceIp: source },
        qualifyingEvents: 1,
      };
    }
    const paths = state.count("path");
    if (paths < s.probeDistinctPaths) return undefined;
    return {
      severity: "Medium",
      title: `Anonymous probing of ${cluster} from ${source || "an unknown source"}: ${paths} distinct paths refused`,
      description: `${source || "An unknown source"} sent ${state.eventCount} unauthenticated request(s) to ${paths} distinct paths of ${cluster} that were refused or failed, such as ${listForProse(state.itemsOf("path", 5), 5)}. This is what scanners do when they look for an API server that is open.`,
      evidence: { requests, sourceIp: source, distinctPaths: paths },
      qualifyingEvents: s.probeDistinctPaths,
    };
  },
});
