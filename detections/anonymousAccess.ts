/**
 * anonymous-access — requests by `system:anonymous` / group `system:unauthenticated` that the API server
 * allowed beyond its public endpoints (High; pod writes named, Elastic's row 2), and, as a separate
 * incident, a source probing many distinct paths anonymously and being refused (Elastic's row 3 burst:
 * its resource types and 401/403/404s are counted too).
 */
import { z } from "zod";
import { baseSettings, defineDetection, type MitreMapping } from "../pipeline/detect/detection.js";
import { matcherFor } from "../pipeline/detect/patterns.js";
import type { AuditEvent } from "../pipeline/normalize/auditEvent.js";
import { isAllowed } from "../pipeline/normalize/auditEvent.js";
import { ANONYMOUS_PUBLIC_PATHS, listForProse, pastTense, pathOf, printable, objectNameOf } from "./lib/k8s.js";

const settings = baseSettings({ windowMinutes: 15 }).extend({
  /** Paths anonymous clients may read on every cluster (`*` matches any run of characters). */
  publicPaths: z.array(z.string()).default([...ANONYMOUS_PUBLIC_PATHS]),
  /** Distinct refused paths from one source within the window that make a probe. */
  probeDistinctPaths: z.number().int().min(2).default(5),
  /** Distinct API resource types among a probe's refused requests that make it an enumeration of the Kubernetes API (Elastic: more than 3). */
  apiEnumerationResources: z.number().int().min(2).default(4),
});

type Settings = z.infer<typeof settings>;

const ALLOWED = "allowed";
const PROBING = "probing";
const POD_WRITES = new Set(["create", "update", "patch"]);
const ACCESS: MitreMapping = { tactics: ["InitialAccess"], techniques: ["T1078.001", "T1190"] };
const POD_WRITE: MitreMapping = { tactics: ["InitialAccess", "Execution"], techniques: ["T1078.001", "T1190", "T1610"] };
const SCAN: MitreMapping = { tactics: ["Reconnaissance"], techniques: ["T1595.003"] };
const ENUMERATION: MitreMapping = { tactics: ["Reconnaissance", "Discovery"], techniques: ["T1595.003", "T1613"] };

export const anonymousAccess = defineDetection<Settings>({
  id: "anonymous-access",
  title: "Anonymous access to the API server",
  description:
    "Unauthenticated requests that the API server allowed beyond its public health and discovery endpoints, which means RBAC grants something to system:anonymous or system:unauthenticated (a pod created or changed that way is named); or a burst of refused anonymous requests that probes the API for what is open.",
  mitre: { tactics: ["InitialAccess", "Execution", "Reconnaissance", "Discovery"], techniques: ["T1078.001", "T1190", "T1610", "T1595.003", "T1613"] },
  status: "stable",
  severityLogic:
    "High for any allowed anonymous request outside the public paths (reads and writes alike: RBAC grants something to everyone), pod creates and changes named; Medium for a source refused on `probeDistinctPaths` distinct paths in the window, named an API enumeration when they span `apiEnumerationResources` resource types.",
  runbook: [
    "List bindings that name system:anonymous or system:unauthenticated: `kubectl get clusterrolebindings,rolebindings -A -o json | jq '.items[] | select(.subjects[]?.name | test(\"system:(anonymous|unauthenticated)\"))'`.",
    "Remove the binding (or set --anonymous-auth=false where you control it); on AKS, check for a public API server and add authorized IP ranges.",
    "Look at what the allowed requests returned or changed (Evidence.requests, Evidence.podWrites: delete pods an anonymous client created) and hunt for the source IP in the other incidents.",
  ],
  catalogueRows: [1, 2, 3],
  settings,
  select: { actorTypes: ["anonymous"] },

  fold(event, s) {
    const path = pathOf(event.requestUri);
    const source = event.sourceIps[0] ?? "";
    const request = `${event.verb} ${printable(path, 300)}`;
    const outcome = `${request} → ${event.responseCode ?? "?"}`;
    if (isAllowed(event)) {
      if (matcherFor(s.publicPaths)(path)) return undefined;
      const podWrite = podWriteOf(event);
      return { key: [ALLOWED, source], items: { request, podWrite }, evidence: { request: outcome, podWrite } };
    }
    const resource = event.objectRef?.resource;
    return {
      key: [PROBING, source],
      items: { path: printable(path, 300), resource, status: statusClassOf(event) },
      evidence: { request: outcome },
    };
  },

  evaluate(state, s) {
    const [variant, source = ""] = state.key;
    const requests = state.evidenceOf("request", 20);
    const cluster = state.cluster.name || "the cluster";
    const from = source || "an unknown source";
    if (variant === ALLOWED) {
      const allowed = state.itemsOf("request");
      const podWrites = state.itemsOf("podWrite");
      const what = podWrites.length ? `pod writes allowed: ${listForProse(podWrites, 2)}` : `requests allowed: ${listForProse(allowed.slice(0, 2), 2)}`;
      return {
        severity: "High",
        mitre: podWrites.length ? POD_WRITE : ACCESS,
        title: `Anonymous ${what} on ${cluster} from ${from}`,
        description:
          `The API server of ${cluster} allowed ${state.eventCount} unauthenticated request(s) from ${from} outside the public endpoints: ${listForProse(allowed, 5)}.` +
          (podWrites.length ? ` An anonymous client ${listForProse(podWrites, 5)}: code of its choosing runs in the cluster.` : "") +
          " Check ClusterRoleBindings and RoleBindings whose subjects include system:anonymous or system:unauthenticated.",
        evidence: { requests, podWrites, sourceIp: source },
        qualifyingEvents: 1,
      };
    }
    const paths = state.count("path");
    if (paths < s.probeDistinctPaths) return undefined;
    const resources = state.itemsOf("resource");
    const enumeration = resources.length >= s.apiEnumerationResources;
    const statuses = state.itemsOf("status");
    return {
      severity: "Medium",
      mitre: enumeration ? ENUMERATION : SCAN,
      title: `Anonymous ${enumeration ? "API enumeration" : "probing"} of ${cluster} from ${from}: ${paths} distinct paths refused${enumeration ? ` across ${resources.length} resource types` : ""}`,
      description: `${source || "An unknown source"} sent ${state.eventCount} unauthenticated request(s) to ${paths} distinct paths of ${cluster} that were refused or failed (${statuses.join(", ")}), such as ${listForProse(state.itemsOf("path", 5), 5)}${resources.length ? `, touching ${listForProse(resources, 6)}` : ""}. This is what scanners do when they look for an API server that is open.`,
      evidence: { requests, sourceIp: source, distinctPaths: paths, resources, statuses },
      qualifyingEvents: s.probeDistinctPaths,
    };
  },
});

/** `created pod default/x`, for an allowed anonymous create, update or patch of a pod. */
function podWriteOf(event: AuditEvent): string | undefined {
  const ref = event.objectRef;
  if (ref?.resource !== "pods" || ref.subresource !== "" || !POD_WRITES.has(event.verb)) return undefined;
  return `${pastTense(event.verb)} pod ${printable(ref.namespace)}/${printable(objectNameOf(event) || "?")}`;
}

/** How a refused request was answered, as Elastic counts them: forbidden (401/403), not found (404), other. */
function statusClassOf(event: AuditEvent): string {
  const code = event.responseCode;
  if (code === 401) return "401 unauthorized";
  if (code === 403 || event.decision === "forbid") return "403 forbidden";
  if (code === 404) return "404 not found";
  return `${code ?? "no"} status`;
}
