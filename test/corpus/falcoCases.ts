/**
 * Falco's k8s_audit test matrix (`falco_k8s_audit_tests.yaml`, re-keyed by trace in `_labels_derived.json`), as
 * kubetrail compares with it: which of our detections covers each Falco rule the labels name, and what each
 * override rules file a test case loads means in our settings. Nothing here decides an outcome: expected
 * outcomes come from Falco's labels, ours from replaying the trace.
 *
 * The unit of comparison is a Falco test case (a trace, the rules files loaded, the alerts expected) × one
 * registered detection: expected when the case expects an alert of a rule mapped to that detection, ours when
 * the replay gives an incident of it. Where a case expects no rule of a detection, that detection must stay
 * silent, or the difference is listed and explained in falcoDifferences.test.ts.
 */
import { join } from "node:path";
import {
  type DetectionConfig,
  detectionIdsOf,
  FALCO_DIR,
  type FalcoCase,
  falcoLabels,
  falcoTraceFiles,
  isRegistered,
  type Replay,
  replayFile,
} from "./corpusHelpers.js";

/** Falco rule (by name, as in the labels) → the kubetrail detection that covers it. */
export const DETECTION_OF_RULE: Readonly<Record<string, string>> = {
  "Anonymous Request Allowed": "anonymous-access",
  "Attach/Exec Pod": "pod-exec",
  "Attach to cluster-admin Role": "rbac-binding-change",
  "K8s Role/Clusterrolebinding Created": "rbac-binding-change",
  "K8s Role/Clusterrolebinding Deleted": "rbac-binding-change",
  "ClusterRole With Wildcard Created": "rbac-role-change",
  "ClusterRole With Write Privileges Created": "rbac-role-change",
  "ClusterRole With Pod Exec Created": "rbac-role-change",
  "System ClusterRole Modified/Deleted": "rbac-role-change",
  "Create/Modify Configmap With Private Credentials": "configmap-credentials",
  "Create Privileged Pod": "privileged-workload",
  "Create Sensitive Mount Pod": "privileged-workload",
  "Create HostNetwork Pod": "privileged-workload",
  "Create Disallowed Pod": "workload-image",
  "Pod Created in Kube Namespace": "system-namespace-workload",
  "Create NodePort Service": "service-exposure",
  "Service Account Created in Kube Namespace": "service-account-created",
  // Row 59 (Sigma's serviceaccount_creation reports every one): service-account-created, not the activity stream.
  "K8s Serviceaccount Created": "service-account-created",
  "Disallowed K8s User": "admin-credential-use",
  // Falco's INFO activity rules ("K8s … Created/Deleted", an audit trail of object writes) and the namespace
  // allowlist rule: object-lifecycle.
  "Create Disallowed Namespace": "object-lifecycle",
  "K8s Namespace Created": "object-lifecycle",
  "K8s Namespace Deleted": "object-lifecycle",
  "K8s Deployment Created": "object-lifecycle",
  "K8s Deployment Deleted": "object-lifecycle",
  "K8s Service Created": "object-lifecycle",
  "K8s Service Deleted": "object-lifecycle",
  "K8s ConfigMap Created": "object-lifecycle",
  "K8s ConfigMap Deleted": "object-lifecycle",
  "K8s Secret Created": "object-lifecycle",
  "K8s Secret Deleted": "object-lifecycle",
  "K8s Serviceaccount Deleted": "object-lifecycle",
  "K8s Role/Clusterrole Created": "object-lifecycle",
  "K8s Role/Clusterrole Deleted": "object-lifecycle",
};

/** Falco rules the labels name that no detection covers, with the reason. */
export const UNCOVERED_RULES: Readonly<Record<string, string>> = {
  json_pointer_example:
    "a test rule defined by the override file single_rule_with_json_pointer.yaml to check Falco's JSON-pointer field syntax; it detects no behaviour",
};

/** Every detection some Falco rule maps to. */
export const MAPPED_DETECTIONS: readonly string[] = [...new Set(Object.values(DETECTION_OF_RULE))].sort();

/**
 * What each override rules file of Falco's test matrix does (README of the corpus folder), as kubetrail settings:
 * a case that loads the file is replayed with them.
 */
export const OVERRIDES: Readonly<Record<string, { readonly config: DetectionConfig; readonly means: string }>> = {
  "engine_v4_k8s_audit_rules.yaml": { config: {}, means: "the same rules in the older engine's syntax: nothing to change" },
  "single_rule_with_json_pointer.yaml": { config: {}, means: "adds a test rule that maps to no detection" },
  "disallow_kactivity.yaml": {
    config: { "object-lifecycle": { enabled: false } },
    means: "turns off Falco's INFO activity rules (K8s … Created/Deleted): object-lifecycle off",
  },
  "allow_namespace_foo.yaml": {
    config: { "object-lifecycle": { allowedNamespaces: ["foo"] } },
    means: "adds foo to allowed_namespaces: object-lifecycle's allowedNamespaces",
  },
  "allow_user_some-user.yaml": {
    config: { "admin-credential-use": { allowActors: ["some-user"] } },
    means: "adds some-user to allowed_k8s_users, the users Falco never reports: admin-credential-use's allowActors",
  },
  "trust_nginx_container.yaml": {
    config: { "privileged-workload": { trustedImages: ["nginx", "nginx:*", "nginx@*"] } },
    means: "trusts nginx images for privileged, sensitive-mount and hostNetwork pods: privileged-workload's trustedImages",
  },
  "allow_nginx_container.yaml": {
    config: { "workload-image": { allowedRegistries: ["nginx", "nginx:*", "nginx@*"] } },
    means: "allows only nginx images (macro allowed_k8s_containers): workload-image's allowedRegistries",
  },
  "allow_only_apache_container.yaml": {
    config: { "workload-image": { allowedRegistries: ["apache", "apache:*", "apache@*"] } },
    means: "allows only apache images (macro allowed_k8s_containers): workload-image's allowedRegistries",
  },
};

/** A trace that is deliberately not an audit event: Falco must report "data not recognized" and alert on nothing. */
export const NOT_AN_EVENT = "fal_01_003.json";

export interface FalcoTestCase {
  /** `<trace> / <Falco test name>`. */
  readonly key: string;
  readonly trace: string;
  readonly falco: FalcoCase;
}

export const labels = falcoLabels();
export const traces = falcoTraceFiles();

/** Every test case of Falco's matrix, trace by trace. */
export const cases: readonly FalcoTestCase[] = traces.flatMap((trace) =>
  (labels.get(trace) ?? []).map((falco) => ({ key: `${trace} / ${falco.test}`, trace, falco })),
);

export function falcoCase(key: string): FalcoTestCase {
  const found = cases.find((c) => c.key === key);
  if (!found) throw new Error(`no Falco test case ${key}`);
  return found;
}

/** Our settings for a case: the override files it loads, translated (only for registered detections). */
export function configOf(c: FalcoTestCase): DetectionConfig {
  const config: Record<string, Record<string, unknown>> = {};
  for (const file of c.falco.extra_rules_files) {
    const override = OVERRIDES[file];
    if (!override) throw new Error(`no translation for Falco override ${file}`);
    for (const [id, settings] of Object.entries(override.config)) {
      if (isRegistered(id)) config[id] = { ...config[id], ...settings };
    }
  }
  return config;
}

/** Falco's expected alert count for the rules a detection covers in this case (0: the case expects none). */
export function falcoCount(c: FalcoTestCase, detectionId: string): number {
  if (!c.falco.detect) return 0;
  let count = 0;
  for (const [rule, n] of Object.entries(c.falco.detect_counts)) if (DETECTION_OF_RULE[rule] === detectionId) count = Math.max(count, n);
  return count;
}

/** The detections Falco's labels expect in this case, registered or not. */
export function expectedDetections(c: FalcoTestCase): string[] {
  return MAPPED_DETECTIONS.filter((id) => falcoCount(c, id) > 0);
}

const replays = new Map<string, Promise<Replay>>();

/** The trace replayed with the case's settings; one replay per (trace, settings), shared by the tests of a file. */
export function replayCase(c: FalcoTestCase): Promise<Replay> {
  const config = configOf(c);
  const cacheKey = `${c.trace} ${JSON.stringify(config)}`;
  let result = replays.get(cacheKey);
  if (!result) {
    result = replayFile(join(FALCO_DIR, c.trace), config);
    replays.set(cacheKey, result);
  }
  return result;
}

export async function firedDetections(c: FalcoTestCase): Promise<string[]> {
  return detectionIdsOf(await replayCase(c));
}

export interface Comparison {
  /** `<trace> / <Falco test> / <detection>`. */
  readonly key: string;
  readonly expected: boolean;
  readonly ours: boolean;
}

/** Every case × registered detection: what Falco's labels expect, and what kubetrail did. */
export async function compareAll(detections: readonly string[]): Promise<Comparison[]> {
  const rows: Comparison[] = [];
  for (const c of cases) {
    const fired = await firedDetections(c);
    for (const id of detections) rows.push({ key: `${c.key} / ${id}`, expected: falcoCount(c, id) > 0, ours: fired.includes(id) });
  }
  return rows;
}
