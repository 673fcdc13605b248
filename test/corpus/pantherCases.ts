/**
 * Panther's Kubernetes rule tests (`_tests_extracted_derived.jsonl`), as kubetrail compares with them: which of
 * our detections covers each Panther rule, how a test's log is fed to the pipeline, and with what settings.
 * Nothing here decides an outcome: expected outcomes are Panther's ExpectedResult, ours come from replaying.
 *
 * How a test is replayed:
 * - Panther's hand-written logs omit every timestamp (and 11 omit the verb). As written, kubetrail quarantines them
 *   (pantherTests.test.ts checks this). To compare detection logic, completePantherLog adds only those fields.
 * - Panther's rule() is per event; a rule with `Threshold: N` alerts after N matching events in its dedup period.
 *   Such tests are fed N times as distinct audit events (own auditID; identical events would be one request).
 * - Every registered detection runs on its defaults, except untrusted-source (off by default: it needs the user's
 *   networks), which the tests of the three Panther rules it covers switch on with a config (configOf).
 *
 * The unit of comparison is a Panther test × one registered detection: expected when the test's rule maps to the
 * detection and its ExpectedResult is true, ours when the replay gives an incident of that detection.
 */
import {
  completePantherLog,
  type DetectionConfig,
  detectionIdsOf,
  isObject,
  isRegistered,
  type JsonObject,
  messageOf,
  type PantherTest,
  pantherKey,
  pantherRuleNumber,
  pantherTests,
  type Replay,
  repeatAsDistinctEvents,
  replay,
} from "./corpusHelpers.js";

/** Panther rule → the kubetrail detection that covers it. */
export const DETECTION_OF: Readonly<Record<string, string>> = {
  "Kubernetes.API.AnonymousAccess": "anonymous-access",
  "Amazon.EKS.AnonymousAPIAccess": "anonymous-access",
  "Kubernetes.Secrets.DumpAllNamespaces": "secret-enumeration",
  "Kubernetes.Secret.AccessDenied": "secret-enumeration",
  "Kubernetes.BulkSecretAccess": "secret-enumeration",
  "Kubernetes.ClusterRoleBinding.Privileged": "rbac-binding-change",
  "Azure.MonitorActivity.Kubernetes.RoleBindingCreated": "rbac-binding-change",
  "Kubernetes.Pod.Exec": "pod-exec",
  "Kubernetes.Kubectl.CP.Operation": "pod-exec",
  "Kubernetes.Pod.StealServiceAccountToken": "pod-exec",
  "Kubernetes.Pod.Privileged.Created": "privileged-workload",
  "Kubernetes.Pod.HostPath.Volume": "privileged-workload",
  "Kubernetes.Pod.Host.Network": "privileged-workload",
  "Kubernetes.Pod.Host.PID": "privileged-workload",
  "Kubernetes.Pod.Host.IPC": "privileged-workload",
  "Kubernetes.Pod.Dangerous.Capabilities": "privileged-workload",
  "Kubernetes.Pod.SystemNamespace": "system-namespace-workload",
  "Kubernetes.DaemonSet.Created": "workload-persistence",
  "Kubernetes.CronJob.CreatedOrModified": "workload-persistence",
  "Kubernetes.Service.NodePort.Deployed": "service-exposure",
  "Kubernetes.Ingress.NoTLS": "service-exposure",
  "Kubernetes.Role.Wildcard": "rbac-role-change",
  "Kubernetes.Role.WritePermissions": "rbac-role-change",
  "Kubernetes.Role.PodExec": "rbac-role-change",
  "Kubernetes.Role.NodeProxyPermissions": "rbac-role-change",
  "Kubernetes.SystemRole.Modified": "rbac-role-change",
  "Kubernetes.ServiceAccount.TokenCreated": "credential-minting",
  "Kubernetes.ClientCertificate.Created": "credential-minting",
  "Kubernetes.AdmissionController.Created": "admission-webhook-change",
  "Kubernetes.API.Multiple403.PublicIP": "denied-requests",
  "Amazon.EKS.Audit.Multiple403": "denied-requests",
  "Kubernetes.API.IOC.Activity": "untrusted-source",
  "Kubernetes.System.Principal.PublicIP": "untrusted-source",
  "Amazon.EKS.Audit.SystemNamespaceFromPublicIP": "untrusted-source",
};

/** Every detection some Panther rule maps to. */
export const MAPPED_DETECTIONS: readonly string[] = [...new Set(Object.values(DETECTION_OF))].sort();

export const START = Date.parse("2024-03-20T10:00:00Z");
export const START_ISO = new Date(START).toISOString();

export const all = pantherTests();
/** Tests of GKE Cloud Audit Log entries: out of scope (kubetrail reads Kubernetes audit events). */
export const gke = all.filter((t) => t.log_type === "GCP.AuditLog");
export const inScope = all.filter((t) => t.log_type !== "GCP.AuditLog");
const byKey = new Map(inScope.map((t) => [pantherKey(t), t]));

export function pantherTest(key: string): PantherTest {
  const found = byKey.get(key);
  if (!found) throw new Error(`no Panther test ${key}`);
  return found;
}

export function detectionOf(test: PantherTest): string {
  const id = DETECTION_OF[test.rule_id];
  if (!id) throw new Error(`no detection mapped for ${test.rule_id}`);
  return id;
}

/** Whether Panther expects an alert of this detection: the test's rule maps to it and must alert. */
export function expected(test: PantherTest, detectionId: string): boolean {
  return test.expected_result && detectionOf(test) === detectionId;
}

/** The Panther test's logs as kubetrail is fed them: once, or Threshold times as distinct events. */
export function logsFor(test: PantherTest): JsonObject[] {
  const threshold = pantherRuleNumber(test.source_file, "Threshold");
  return threshold === undefined ? [completePantherLog(test.log, START_ISO)] : repeatAsDistinctEvents(test.log, threshold, START);
}

/** The addresses Panther's threat-intel enrichment marks on this log (`p_enrichment.tor_exit_nodes`). */
export function torExitNodesOf(test: PantherTest): string[] {
  const enrichment = test.log.p_enrichment;
  const nodes = isObject(enrichment) ? enrichment.tor_exit_nodes : undefined;
  return Array.isArray(nodes) ? nodes.filter((n): n is string => typeof n === "string") : [];
}

/** A single address as a network. */
function hostNetwork(ip: string): string {
  return ip.includes(":") ? `${ip}/128` : `${ip}/32`;
}

/** The cloud providers of the clusters in Panther's tests (EKS, AKS), as ipinfo names them. */
const CLUSTER_CLOUDS = ["amazon.com", "microsoft.com"];

/**
 * The networks Panther's enrichment knows as the clusters' own cloud (MISP warning lists of cloud ranges; ipinfo
 * matches of AWS and Azure ASNs, by route or address), over the tests of the rules untrusted-source covers: what
 * a user lists as expectedNetworks (the public networks the cluster's identities connect from).
 */
export function cloudNetworksOfPanther(): string[] {
  const networks = new Set<string>();
  for (const test of inScope.filter((t) => DETECTION_OF[t.rule_id] === "untrusted-source")) {
    const enrichment = test.log.p_enrichment;
    if (!isObject(enrichment)) continue;
    const misp = enrichment["MISP Warning Lists"];
    const mispMatches = isObject(misp) && Array.isArray(misp.p_any_ip_addresses) ? misp.p_any_ip_addresses : [];
    for (const match of mispMatches) if (isObject(match) && typeof match.cidr === "string") networks.add(match.cidr);
    const asn = enrichment.ipinfo_asn;
    const asnMatches = isObject(asn) && Array.isArray(asn.sourceIPs) ? asn.sourceIPs : [];
    for (const match of asnMatches) {
      if (!isObject(match) || typeof match.domain !== "string" || !CLUSTER_CLOUDS.includes(match.domain)) continue;
      if (typeof match.route === "string") networks.add(match.route);
      else if (typeof match.p_match === "string") networks.add(hostNetwork(match.p_match));
    }
  }
  return [...networks].sort();
}

/**
 * Settings for a test. untrusted-source is off by default (it needs the user's networks and threat-intel list);
 * for the tests of the three Panther rules it covers it is switched on, as a user would configure it:
 * hostileNetworks = the addresses Panther's threat-intel enrichment marks on that event (its TOR exit-node
 * lookup), expectedNetworks = the clusters' cloud networks Panther's enrichment names (cloudNetworksOfPanther).
 */
export function configOf(test: PantherTest): DetectionConfig {
  if (detectionOf(test) !== "untrusted-source" || !isRegistered("untrusted-source")) return {};
  return {
    "untrusted-source": { enabled: true, hostileNetworks: torExitNodesOf(test).map(hostNetwork), expectedNetworks: cloudNetworksOfPanther() },
  };
}

const replays = new Map<string, Promise<Replay>>();

/** Replays logs of a test (by default logsFor) with its settings; the default replay is shared by a file's tests. */
export function replayTest(test: PantherTest, logs?: readonly JsonObject[], config: DetectionConfig = configOf(test)): Promise<Replay> {
  const run = () =>
    replay(
      (logs ?? logsFor(test)).map((log, i) => messageOf(log, pantherKey(test), i + 1)),
      config,
    );
  if (logs !== undefined) return run();
  const key = pantherKey(test);
  let result = replays.get(key);
  if (!result) {
    result = run();
    replays.set(key, result);
  }
  return result;
}

export async function fired(test: PantherTest, detectionId: string = detectionOf(test)): Promise<boolean> {
  return detectionIdsOf(await replayTest(test)).includes(detectionId);
}

export interface Comparison {
  /** `<rule id> / <test name> / <detection>`. */
  readonly key: string;
  readonly expected: boolean;
  readonly ours: boolean;
  /** The detection is the one the test's rule maps to. */
  readonly mapped: boolean;
}

/** Every in-scope test × registered detection: what Panther expects, and what kubetrail did. */
export async function compareAll(detections: readonly string[]): Promise<Comparison[]> {
  const rows: Comparison[] = [];
  for (const test of inScope) {
    const ours = detectionIdsOf(await replayTest(test));
    for (const id of detections) {
      rows.push({ key: `${pantherKey(test)} / ${id}`, expected: expected(test, id), ours: ours.includes(id), mapped: detectionOf(test) === id });
    }
  }
  return rows;
}
