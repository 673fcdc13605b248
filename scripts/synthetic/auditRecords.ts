/**
 * Builders for realistic AKS audit data: audit events shaped like the real ones in ../shared/corpus,
 * wrapped the way AKS diagnostic settings wrap them (records[] of diagnostic records whose
 * properties.log is the event as a JSON string ending in "\n"). Used by the sample generator, the
 * benchmark and tests; deterministic for a given seed.
 */

export const DEFAULT_CLUSTER =
  "/SUBSCRIPTIONS/0B62A232-B8DB-4380-9DA6-640F7272ED6D/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD-WEU";

/** mulberry32: a small seeded PRNG, so generated data is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface EventSpec {
  readonly auditID: string;
  readonly time: number;
  readonly verb: string;
  readonly username: string;
  readonly groups?: readonly string[];
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly apiGroup?: string;
  /** Overrides the URI derived from the object reference. */
  readonly requestURI?: string;
  readonly code?: number;
  readonly decision?: "allow" | "forbid";
  readonly reason?: string;
  readonly stage?: "ResponseStarted" | "ResponseComplete";
  readonly level?: "Metadata" | "Request" | "RequestResponse";
  readonly sourceIP?: string;
  readonly userAgent?: string;
  readonly requestObject?: unknown;
  readonly responseObject?: unknown;
  /** The identity the request impersonated (`kubectl --as`, the Azure Arc proxy). */
  readonly impersonatedUser?: { readonly username: string; readonly groups?: readonly string[] };
  /** `user.extra` (AKS puts the Entra object id and pod names there). */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
  /** Milliseconds between request received and this stage. */
  readonly latencyMs?: number;
}

const GROUP_VERSION: Readonly<Record<string, string>> = {
  "": "v1",
  apps: "v1",
  "rbac.authorization.k8s.io": "v1",
  "coordination.k8s.io": "v1",
  batch: "v1",
  policy: "v1",
};

export function uriFor(spec: EventSpec): string {
  if (spec.requestURI) return spec.requestURI;
  const group = spec.apiGroup ?? "";
  const version = GROUP_VERSION[group] ?? "v1";
  let uri = group ? `/apis/${group}/${version}` : "/api/v1";
  if (spec.namespace) uri += `/namespaces/${spec.namespace}`;
  if (spec.resource) uri += `/${spec.resource}`;
  if (spec.name) uri += `/${spec.name}`;
  if (spec.subresource) uri += `/${spec.subresource}`;
  return uri;
}

/** An `audit.k8s.io/v1` Event object, field order as the API server writes it. */
export function auditEvent(spec: EventSpec): Record<string, unknown> {
  const code = spec.code ?? (spec.verb === "create" ? 201 : 200);
  const received = spec.time - (spec.latencyMs ?? 4);
  const objectRef = spec.resource
    ? {
        resource: spec.resource,
        ...(spec.namespace ? { namespace: spec.namespace } : {}),
        ...(spec.name ? { name: spec.name } : {}),
        ...(spec.apiGroup ? { apiGroup: spec.apiGroup } : {}),
        apiVersion: GROUP_VERSION[spec.apiGroup ?? ""] ?? "v1",
        ...(spec.subresource ? { subresource: spec.subresource } : {}),
      }
    : undefined;
  const event: Record<string, unknown> = {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: spec.level ?? "Metadata",
    auditID: spec.auditID,
    stage: spec.stage ?? "ResponseComplete",
    requestURI: uriFor(spec),
    verb: spec.verb,
    user: { username: spec.username, groups: spec.groups ?? ["system:authenticated"], ...(spec.extra ? { extra: spec.extra } : {}) },
    ...(spec.impersonatedUser ? { impersonatedUser: spec.impersonatedUser } : {}),
    sourceIPs: [spec.sourceIP ?? "10.224.0.4"],
    userAgent: spec.userAgent ?? "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
  };
  if (objectRef) event.objectRef = objectRef;
  event.responseStatus = code >= 400 ? { metadata: {}, status: "Failure", reason: code === 403 ? "Forbidden" : "NotFound", code } : { metadata: {}, code };
  if (spec.requestObject !== undefined) event.requestObject = spec.requestObject;
  if (spec.responseObject !== undefined) event.responseObject = spec.responseObject;
  event.requestReceivedTimestamp = isoMicros(received);
  event.stageTimestamp = isoMicros(spec.time);
  event.annotations = {
    "authorization.k8s.io/decision": spec.decision ?? (code === 403 ? "forbid" : "allow"),
    "authorization.k8s.io/reason": spec.reason ?? "",
  };
  return event;
}

function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

/** One record as AKS diagnostic settings write it to Event Hubs and storage archives. */
export function aksRecord(event: Record<string, unknown>, options: { resourceId?: string; category?: string } = {}): Record<string, unknown> {
  const stage = Date.parse(String(event.stageTimestamp));
  return {
    category: options.category ?? "kube-audit",
    operationName: "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
    properties: {
      pod: "kube-apiserver-6797f4455b-jdgtt",
      containerID: "c2120cb7d9e9402426ea2cbcc6d2a4cbe712af7bf35195b2d39f2e215b3a4e3c",
      log: `${JSON.stringify(event)}\n`,
      stream: "stdout",
    },
    resourceId: options.resourceId ?? DEFAULT_CLUSTER,
    serviceBuild: "na",
    time: new Date(Number.isFinite(stage) ? stage : 0).toISOString().replace("Z", "000000Z"),
  };
}

/** A kube-apiserver klog line routed to the same hub by a diagnostic setting of another category. */
export function klogRecord(time: number, message: string, resourceId = DEFAULT_CLUSTER): Record<string, unknown> {
  return {
    category: "kube-apiserver",
    operationName: "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
    properties: { pod: "kube-apiserver-6797f4455b-jdgtt", log: `${message}\n`, stream: "stderr" },
    resourceId,
    time: new Date(time).toISOString(),
  };
}

export function eventHubMessage(records: readonly Record<string, unknown>[]): string {
  return JSON.stringify({ records });
}
