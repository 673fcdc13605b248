/** The one typed shape every detection sees: an `audit.k8s.io/v1` Event, normalized once per record. */

export type ActorType = "user" | "serviceaccount" | "anonymous" | "node" | "system" | "aks-managed";

export const AUDIT_CATEGORIES = ["kube-audit", "kube-audit-admin"] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

export interface AuditUser {
  readonly username: string;
  readonly uid: string | undefined;
  readonly groups: readonly string[];
  /** `user.extra`, as a null-prototype map so that hostile keys (`__proto__`) stay plain data. */
  readonly extra: ReadonlyMap<string, readonly string[]>;
}

export interface ObjectRef {
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
}

export interface Cluster {
  /** The AKS resource id, lower-cased; empty when the input does not say (raw kube-apiserver logs). */
  readonly resourceId: string;
  readonly name: string;
}

export interface AuditEvent {
  readonly cluster: Cluster;
  readonly category: AuditCategory | undefined;
  readonly auditId: string;
  readonly stage: string;
  readonly level: string;
  /** Event time in epoch milliseconds: the stage timestamp, else the request time, else the envelope time. */
  readonly time: number;
  readonly requestReceivedTime: number;
  readonly verb: string;
  readonly requestUri: string;
  readonly user: AuditUser;
  readonly actorType: ActorType;
  readonly impersonatedUser: AuditUser | undefined;
  readonly sourceIps: readonly string[];
  readonly userAgent: string;
  /** Absent for non-resource requests (`/healthz`, `/version`) and cluster-wide lists. */
  readonly objectRef: ObjectRef | undefined;
  readonly responseCode: number | undefined;
  readonly decision: "allow" | "forbid" | undefined;
  readonly authorizationReason: string;
  /** Present only at Request/RequestResponse level, and never for secrets or tokens (see redactSensitiveObject). */
  readonly requestObject: unknown;
  readonly responseObject: unknown;
}

/** Whether the API server let the request through: authorized and not answered with an error. */
export function isAllowed(event: AuditEvent): boolean {
  if (event.decision === "forbid") return false;
  const code = event.responseCode;
  if (code !== undefined && code >= 400) return false;
  return event.decision === "allow" || code !== undefined;
}

/** `resource/namespace/name`, the Targets notation of the incident contract. */
export function targetOf(event: AuditEvent): string | undefined {
  const ref = event.objectRef;
  if (!ref) return undefined;
  return `${ref.resource}/${ref.namespace}/${ref.name}`;
}
