/**
 * Pod specs wherever the audit log carries one: a pod's own spec, the pod template of a Deployment,
 * ReplicaSet, StatefulSet, DaemonSet or Job, a CronJob's job template, and the ephemeral containers a
 * `kubectl debug` adds. Containers of every kind are returned together (init, regular, ephemeral), so a
 * detection that inspects containers never misses the init container an attacker hid the payload in.
 * Pure functions over unknown JSON; a patch body is inspected for whatever part of a spec it carries
 * (a JSON patch is first turned into the partial object its add and replace operations write).
 */
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { asArray, asString, field, objectNameOf, pastTense, queryParams } from "./k8s.js";

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

/**
 * kube-controller-manager's controllers that write pods and workloads from a template someone else wrote
 * (a ReplicaSet's pods, a Deployment's ReplicaSets, a CronJob's Jobs), and the garbage collector that
 * patches their owner references. Exact names, not `*-controller`: an add-on's own service account in
 * kube-system may end in `-controller` too, and is no template copier.
 */
export const TEMPLATE_CONTROLLERS: readonly string[] = [
  "system:kube-controller-manager",
  "system:serviceaccount:kube-system:replicaset-controller",
  "system:serviceaccount:kube-system:replication-controller",
  "system:serviceaccount:kube-system:deployment-controller",
  "system:serviceaccount:kube-system:daemon-set-controller",
  "system:serviceaccount:kube-system:statefulset-controller",
  "system:serviceaccount:kube-system:job-controller",
  "system:serviceaccount:kube-system:cronjob-controller",
  "system:serviceaccount:kube-system:generic-garbage-collector",
];

/** The identities AKS itself runs as, for allowlists of detections about workloads AKS deploys (add-ons). */
export const AKS_IDENTITIES: readonly string[] = ["aksService", "hcpService", "acsService", "aks-service"];

export type ContainerKind = "container" | "initContainer" | "ephemeralContainer";

export interface ContainerView {
  readonly kind: ContainerKind;
  readonly name: string;
  readonly image: string;
  readonly securityContext: unknown;
  readonly command: readonly string[];
}

/** Where a pod spec lists its containers, by kind. */
export const CONTAINER_FIELDS: ReadonlyArray<readonly [string, ContainerKind]> = [
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

/**
 * The part of a pod spec this request writes: the patch body for a patch (what it changes, not what the
 * object already held), else the request body, else the response. Undefined when the event has no body.
 */
export function writtenSpecOf(event: AuditEvent): unknown {
  const path = specPathOf(event);
  if (!path) return undefined;
  if (event.verb === "patch") return objectAt(patchAsObject(event.requestObject), path);
  return objectAt(event.requestObject, path) ?? objectAt(event.responseObject, path);
}

/**
 * The pod spec the object has after the request: the response (admission mutations included), else the
 * request body of a create or update. Undefined for a patch logged without its response.
 */
export function resultingSpecOf(event: AuditEvent): unknown {
  const path = specPathOf(event);
  if (!path) return undefined;
  return objectAt(event.responseObject, path) ?? (event.verb === "patch" ? undefined : objectAt(event.requestObject, path));
}

/**
 * A patch body as the partial object it writes. Merge and strategic-merge patches already are one; a JSON
 * patch (RFC 6902, an array of operations) becomes the object its `add` and `replace` operations build.
 * Array positions are not kept (every indexed element is appended), so a hostile index cannot inflate it.
 */
export function patchAsObject(body: unknown): unknown {
  if (!Array.isArray(body)) return body;
  const root: Record<string, unknown> = {};
  for (const op of body) {
    const kind = asString(field(op, "op"));
    if (kind !== "add" && kind !== "replace") continue;
    const segments = jsonPointer(asString(field(op, "path")));
    if (segments.length > 0) setAt(root, segments, field(op, "value"));
  }
  return root;
}

/** The segments of a JSON pointer (`/spec/containers/0` → spec, containers, 0), `~1` and `~0` unescaped. */
export function jsonPointer(path: string): string[] {
  if (!path.startsWith("/")) return [];
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Every container of a spec: init containers first, then containers, then ephemeral containers. */
export function containersOf(spec: unknown): ContainerView[] {
  const out: ContainerView[] = [];
  for (const [name, kind] of CONTAINER_FIELDS) {
    for (const container of asArray(field(spec, name))) {
      // A strategic-merge patch removes a list element with `$patch: delete`: it adds nothing.
      if (field(container, "$patch") === "delete") continue;
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
  const name = container.name || "(unnamed)";
  return container.kind === "container" ? `container ${name}` : `${container.kind} ${name}`;
}

/** The workload's kind and name as Targets write them: `deployments/prod/web`. */
export function workloadTargetOf(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref) return "";
  return `${ref.resource}/${ref.namespace}/${objectNameOf(event)}`;
}

/** How prose names a workload resource. */
export const KIND_LABELS: Readonly<Record<string, string>> = {
  pods: "pod",
  deployments: "Deployment",
  replicasets: "ReplicaSet",
  replicationcontrollers: "ReplicationController",
  statefulsets: "StatefulSet",
  daemonsets: "DaemonSet",
  jobs: "Job",
  cronjobs: "CronJob",
};

/** A server-side dry run (`kubectl apply --dry-run=server`) is logged but changes nothing. */
export function isDryRun(event: AuditEvent): boolean {
  return queryParams(event.requestUri, "dryRun").length > 0;
}

/** The controlling owner a body names (`ReplicaSet web-7d9c8b6f5`), or "" when it names none. */
export function ownerOf(body: unknown): string {
  const owners = asArray(field(body, "metadata", "ownerReferences"));
  const owner = owners.find((o) => field(o, "controller") === true) ?? owners[0];
  return owner ? `${asString(field(owner, "kind"))} ${asString(field(owner, "name"))}`.trim() : "";
}

/**
 * The changes of an incident as a title says them: `created and patched`; `debug` (an ephemeral container
 * added) reads `added a debug container to`.
 */
export function changesProse(changes: readonly string[]): string {
  if (changes.includes("debug")) return "added a debug container to";
  return [...new Set(changes.map(pastTense))].join(" and ");
}

function specPathOf(event: AuditEvent): readonly string[] | undefined {
  const resource = workloadResourceOf(event);
  return resource ? POD_SPEC_PATHS[resource] : undefined;
}

function objectAt(body: unknown, path: readonly string[]): unknown {
  const value = field(body, ...path);
  return isObject(value) ? value : undefined;
}

function setAt(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    // The value is copied: later operations descend into it, and the event's own body must stay as logged.
    const next: unknown = last ? structuredClone(value) : isIndex(segments[i + 1] as string) ? [] : {};
    if (Array.isArray(node)) {
      node.push(next);
    } else {
      if (segment === "__proto__" || segment === "constructor" || segment === "prototype") return;
      const existing = node[segment];
      if (!last && (Array.isArray(existing) || isObject(existing))) {
        node = existing as Record<string, unknown> | unknown[];
        continue;
      }
      node[segment] = next;
    }
    if (last) return;
    node = next as Record<string, unknown> | unknown[];
  }
}

function isIndex(segment: string): boolean {
  return segment === "-" || /^\d+$/.test(segment);
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The MITRE mapping of one variant of a detection. */
export interface VariantMitre {
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
}

/** The union of the mappings of the variants that fired, in the table's order, so a finding names only what happened. */
export function narrowMitre(table: Readonly<Record<string, VariantMitre>>, fired: readonly string[]): VariantMitre {
  const tactics = new Set<string>();
  const techniques = new Set<string>();
  for (const [variant, mapping] of Object.entries(table)) {
    if (!fired.includes(variant)) continue;
    for (const t of mapping.tactics) tactics.add(t);
    for (const t of mapping.techniques) techniques.add(t);
  }
  return { tactics: [...tactics], techniques: [...techniques] };
}

/** The union of every variant's mapping: the detection's own. */
export function allMitre(table: Readonly<Record<string, VariantMitre>>): VariantMitre {
  return narrowMitre(table, Object.keys(table));
}
