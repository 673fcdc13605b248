/**
 * Pod specs wherever the audit log carries one: a pod's own spec, the pod template of a Deployment,
 * ReplicaSet, StatefulSet, DaemonSet or Job, a CronJob's job template, and the ephemeral containers a
 * `kubectl debug` adds. Containers of every kind are returned together (init, regular, ephemeral), so a
 * detection that inspects containers never misses the init container an attacker hid the payload in.
 * Pure functions over unknown JSON; a patch body is inspected for whatever part of a spec it carries.
 */
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { asArray, asString, field } from "./k8s.js";

/** Resources whose request bodies carry a pod spec, and where in the body it sits. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  pods: ["spec"],
  "pods/ephemeralcontainers": ["spec"],
  deployments: ["spec", "template", "spec"],
  replicasets: ["spec", "template", "spec"],
  replicationcontrollers: ["spec", "template", "spec"],
  statefulsets: ["spec", "template", "spec"],
  daemonsets: ["spec", "template", "spec"],
  jobs: ["spec", "template", "spec"],
  cronjobs: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The resources (with subresource where it matters) a workload detection selects. */
export const WORKLOAD_RESOURCES: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** Verbs that write a spec. */
export const SPEC_WRITE_VERBS: readonly string[] = ["create", "update", "patch"];

export type ContainerKind = "container" | "initContainer" | "ephemeralContainer";

export interface ContainerView {
  readonly kind: ContainerKind;
  readonly name: string;
  readonly image: string;
  readonly securityContext: unknown;
  readonly command: readonly string[];
}

const CONTAINER_FIELDS: ReadonlyArray<readonly [string, ContainerKind]> = [
  ["initContainers", "initContainer"],
  ["containers", "container"],
  ["ephemeralContainers", "ephemeralContainer"],
];

/** The resource key of an event as the workload tables use it: `pods`, `pods/ephemeralcontainers`, `deployments`. */
export function workloadResourceOf(event: AuditEvent): string | undefined {
  const ref = event.objectRef;
  if (!ref) return undefined;
  const key = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
  return POD_SPEC_PATHS[key] ? key : undefined;
}

/** The pod spec an event's request carries (else its response), or undefined when it carries none. */
export function podSpecOf(event: AuditEvent): unknown {
  const resource = workloadResourceOf(event);
  if (!resource) return undefined;
  const path = POD_SPEC_PATHS[resource] as readonly string[];
  const fromRequest = field(event.requestObject, ...path);
  if (isObject(fromRequest)) return fromRequest;
  const fromResponse = field(event.responseObject, ...path);
  return isObject(fromResponse) ? fromResponse : undefined;
}

/** Every container of a spec: init containers first, then containers, then ephemeral containers. */
export function containersOf(spec: unknown): ContainerView[] {
  const out: ContainerView[] = [];
  for (const [name, kind] of CONTAINER_FIELDS) {
    for (const container of asArray(field(spec, name))) {
      out.push({
        kind,
        name: asString(field(container, "name")),
        image: asString(field(container, "image")),
        securityContext: field(container, "securityContext"),
        command: [...asArray(field(container, "command")), ...asArray(field(container, "args"))].map(asString),
      });
    }
  }
  return out;
}

/** `initContainer web-init`, `container web`: how evidence names a container. */
export function describeContainer(container: ContainerView): string {
  return container.kind === "container" ? container.name : `${container.kind} ${container.name}`;
}

/**
 * The pod's name: the object reference, else the name in the request or response body, else the
 * `generateName` prefix (controllers create pods with generateName; the name exists only in the response).
 */
export function podNameOf(event: AuditEvent): string {
  const fromRef = event.objectRef?.name ?? "";
  if (fromRef) return fromRef;
  const named = asString(field(event.responseObject, "metadata", "name")) || asString(field(event.requestObject, "metadata", "name"));
  if (named) return named;
  const prefix = asString(field(event.requestObject, "metadata", "generateName"));
  return prefix ? `${prefix}*` : "";
}

/** The workload's kind and name as Targets write them: `deployments/prod/web`. */
export function workloadTargetOf(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref) return "";
  return `${ref.resource}/${ref.namespace}/${ref.resource === "pods" ? podNameOf(event) : ref.name}`;
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
