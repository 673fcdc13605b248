/**
 * Panther's unit tests for the Kubernetes rules our detections cover, replayed through kubetrail: raw EKS audit
 * events, AKS diagnostic records, and the Azure Activity Log records of Panther's AKS rolebinding rule.
 *
 * Agreement: kubetrail's outcome equals Panther's ExpectedResult for 50 of the 71 tests (GKE tests are out of
 * scope). Each of the 21 differences is deliberate and has its own case below, with the reason.
 *
 * How a test is replayed:
 * - Panther's hand-written logs omit every timestamp (and 11 omit the verb). As written, kubetrail quarantines them
 *   (checked below). To compare detection logic, completePantherLog adds only those fields (see corpusHelpers).
 * - Panther's rule() is per event; a rule with `Threshold: N` alerts after N matching events in its dedup period.
 *   Such tests are fed N times as distinct audit events (own auditID; identical events would be one request).
 * - "Fired" means an incident of the detection mapped to the rule.
 */
import { describe, expect, test } from "vitest";
import {
  completePantherLog,
  defaultNumberSetting,
  incidentsOf,
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
const DETECTION_OF: Readonly<Record<string, string>> = {
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
};

/** Tests where kubetrail deliberately differs from Panther's ExpectedResult; each has an explicit case below. */
const DIFFERENCES: ReadonlySet<string> = new Set([
  "Amazon.EKS.AnonymousAPIAccess / Anonymous API Access Web Scanner Allowed",
  "Amazon.EKS.AnonymousAPIAccess / ELB Health Check from Public IP",
  "Amazon.EKS.AnonymousAPIAccess / Anonymous API Access Web Scanner Denied",
  "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / Arc-enabled Cluster RoleBinding Created",
  "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / Arc-enabled Cluster ClusterRoleBinding Created",
  "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / AKS Managed Cluster RoleBinding Created",
  "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / AKS Managed Cluster ClusterRoleBinding Created Case Insensitive",
  "Kubernetes.ClusterRoleBinding.Privileged / ClusterRoleBinding to non-privileged role",
  "Kubernetes.ClusterRoleBinding.Privileged / RoleBinding (not ClusterRoleBinding)",
  "Kubernetes.ClusterRoleBinding.Privileged / System principal creating binding (excluded)",
  "Kubernetes.Kubectl.CP.Operation / EKS kubectl cp TO pod (not exfiltration)",
  "Kubernetes.Kubectl.CP.Operation / EKS regular tar archive creation",
  "Kubernetes.Kubectl.CP.Operation / EKS regular exec without tar",
  "Kubernetes.Kubectl.CP.Operation / EKS system namespace (excluded)",
  "Kubernetes.Pod.StealServiceAccountToken / Regular exec without token access",
  "Kubernetes.Pod.StealServiceAccountToken / System principal in system namespace (excluded)",
  "Kubernetes.Secret.AccessDenied / List secrets operation (not get)",
  "Kubernetes.BulkSecretAccess / User Gets a Secret",
  "Kubernetes.BulkSecretAccess / User Lists Secrets",
  "Kubernetes.BulkSecretAccess / User Watches Secrets",
  "Kubernetes.BulkSecretAccess / User Gets Secret - Access Denied",
]);

const START = Date.parse("2024-03-20T10:00:00Z");
const START_ISO = new Date(START).toISOString();

const covered = pantherTests().filter((t) => t.rule_id in DETECTION_OF);
const inScope = covered.filter((t) => t.log_type !== "GCP.AuditLog");
const gke = covered.filter((t) => t.log_type === "GCP.AuditLog");
const agreeing = inScope.filter((t) => !DIFFERENCES.has(pantherKey(t)));
const byKey = new Map(inScope.map((t) => [pantherKey(t), t]));

function pantherTest(key: string): PantherTest {
  const found = byKey.get(key);
  if (!found) throw new Error(`no Panther test ${key}`);
  return found;
}

function detectionOf(test: PantherTest): string {
  const id = DETECTION_OF[test.rule_id];
  if (!id) throw new Error(`no detection mapped for ${test.rule_id}`);
  return id;
}

/** The Panther test's logs as kubetrail is fed them: once, or Threshold times as distinct events. */
function logsFor(test: PantherTest): JsonObject[] {
  const threshold = pantherRuleNumber(test.source_file, "Threshold");
  return threshold === undefined ? [completePantherLog(test.log, START_ISO)] : repeatAsDistinctEvents(test.log, threshold, START);
}

async function replayLogs(test: PantherTest, logs: readonly JsonObject[]): Promise<Replay & { fired: boolean }> {
  const result = await replay(logs.map((log, i) => messageOf(log, pantherKey(test), i + 1)));
  return { ...result, fired: incidentsOf(result, detectionOf(test)).length > 0 };
}

const ourOutcome = (test: PantherTest) => replayLogs(test, logsFor(test));

/** A deliberate difference: Panther's label says one thing, kubetrail the other. Returns our replay. */
async function expectDifference(key: string, ours: boolean): Promise<Replay & { fired: boolean }> {
  const test = pantherTest(key);
  expect(test.expected_result).toBe(!ours);
  const result = await ourOutcome(test);
  expect(result.quarantined).toEqual([]);
  expect(result.fired).toBe(ours);
  return result;
}

describe("the covered Panther tests", () => {
  test("are 80: 71 EKS raw, AKS envelope or Azure Activity records, and 9 GKE entries (out of scope)", () => {
    expect(covered).toHaveLength(80);
    expect(inScope).toHaveLength(71);
    expect(inScope.filter((t) => t.aks_envelope_record)).toHaveLength(8);
    expect(new Set(covered.map((t) => t.rule_id))).toEqual(new Set(Object.keys(DETECTION_OF)));
    expect([...DIFFERENCES].filter((key) => !byKey.has(key))).toEqual([]);
  });

  test("as written, 64 of the 66 kube-audit logs are quarantined: 11 have no verb, 53 have no timestamp at all", async () => {
    // Panther's rule() reads neither; kubetrail needs both (selection is by verb; time is event time).
    const kubeAudit = inScope.filter((t) => t.rule_id !== "Azure.MonitorActivity.Kubernetes.RoleBindingCreated");
    const result = await replay(kubeAudit.map((t, i) => messageOf(t.log, pantherKey(t), i + 1)));
    const reasons: Record<string, number> = {};
    for (const q of result.quarantined) reasons[q.reason] = (reasons[q.reason] ?? 0) + 1;
    expect(kubeAudit).toHaveLength(66);
    expect(result.stats.events).toBe(2);
    expect(reasons).toEqual({
      "audit event has no verb": 11,
      "audit event has no valid timestamp (stageTimestamp, requestReceivedTimestamp or envelope time)": 53,
    });
    expect(result.events.map((e) => e.requestUri)).toEqual(["/version", "/vendor/phpunit/src/Util/PHP/eval-stdin.php"]);
  });

  test("Panther's Secret.AccessDenied threshold (20 in 15 min) equals our deniedReads default (20 in 30 min)", () => {
    expect(pantherRuleNumber("k8s_secret_access_denied.yml", "Threshold")).toBe(defaultNumberSetting("secret-enumeration", "deniedReads"));
    expect(pantherRuleNumber("k8s_secret_access_denied.yml", "DedupPeriodMinutes")).toBe(15);
    expect(defaultNumberSetting("secret-enumeration", "windowMinutes")).toBe(30);
  });

  test("a threshold test fed 20 times as the *same* event counts once: distinct auditIDs are what make 20", async () => {
    // Without an auditID the normalizer synthesizes one from the content, so identical copies are one request
    // (as a redelivered or twice-logged event must be), and nothing fires.
    const test = pantherTest("Kubernetes.Secret.AccessDenied / EKS failed secret get (403 Forbidden)");
    const same = completePantherLog(test.log, START_ISO);
    const result = await replayLogs(
      test,
      Array.from({ length: 20 }, () => same),
    );
    expect(result.events).toHaveLength(20);
    expect(new Set(result.events.map((e) => e.auditId)).size).toBe(1);
    expect(result.events[0]?.auditId).toMatch(/^sha1-/);
    expect(result.fired).toBe(false);
  });

  test("the 9 GKE tests are out of scope: Cloud Audit Log entries are quarantined as not audit records", async () => {
    expect(gke).toHaveLength(9);
    const result = await replay(gke.map((t, i) => messageOf(t.log, pantherKey(t), i + 1)));
    expect(result.stats).toMatchObject({ records: 9, events: 0, quarantined: 9 });
    expect(result.quarantined.every((q) => q.reason.startsWith("not an audit record"))).toBe(true);
  });
});

describe("Panther tests kubetrail agrees with (50)", () => {
  test.each(agreeing.map((t) => [pantherKey(t), t] as const))("%s", async (_key, test) => {
    const result = await ourOutcome(test);
    expect(result.quarantined).toEqual([]);
    expect(result.fired).toBe(test.expected_result);
  });

  test("agreement: 50 of 71 (21 deliberate differences, each below)", async () => {
    let agree = 0;
    const disagreeing: string[] = [];
    for (const test of inScope) {
      if ((await ourOutcome(test)).fired === test.expected_result) agree++;
      else disagreeing.push(pantherKey(test));
    }
    expect({ agree, total: inScope.length }).toEqual({ agree: 50, total: 71 });
    expect(disagreeing.sort()).toEqual([...DIFFERENCES].sort());
  });
});

describe("deliberate differences: anonymous-access", () => {
  test("EKS Web Scanner Allowed (GET /version): Panther alerts; kubetrail does not — /version is a public endpoint", async () => {
    // Every cluster lets anonymous clients read /version, /healthz and friends (ClusterRole system:public-info-viewer).
    // anonymous-access reports what RBAC grants beyond those (settings.publicPaths); that the API server is reachable
    // from the internet is a network finding, not an audit-log one.
    const result = await expectDifference("Amazon.EKS.AnonymousAPIAccess / Anonymous API Access Web Scanner Allowed", false);
    expect(result.stats.selected).toBe(1);
  });

  test("EKS ELB Health Check from Public IP (GET /healthz): Panther alerts on the public source IP; kubetrail does not", async () => {
    // Same reason: /healthz is public. kubetrail does not judge source IPs (on AKS, health probes and clients come
    // from public Azure addresses). As written the log also has no verb; the completed `get` is what it means.
    const result = await expectDifference("Amazon.EKS.AnonymousAPIAccess / ELB Health Check from Public IP", false);
    expect(result.events[0]).toMatchObject({ requestUri: "/healthz", sourceIps: ["54.10.20.30"] });
  });

  test("EKS Web Scanner Denied (one refused path): Panther alerts per event; kubetrail needs a burst of distinct paths", async () => {
    // A refused anonymous request is what every internet-facing API server sees all day; one is noise. kubetrail
    // reports probing when one source is refused on probeDistinctPaths distinct paths within the window.
    const test = pantherTest("Amazon.EKS.AnonymousAPIAccess / Anonymous API Access Web Scanner Denied");
    await expectDifference(pantherKey(test), false);
    const paths = defaultNumberSetting("anonymous-access", "probeDistinctPaths");
    const probe = repeatAsDistinctEvents(test.log, paths, START).map((event, i) => ({ ...event, requestURI: `${String(event.requestURI)}-${i}` }));
    const burst = await replayLogs(test, probe);
    expect(incidentsOf(burst, "anonymous-access")).toEqual([expect.objectContaining({ Severity: "Medium", SourceIps: ["8.216.81.10"] })]);
  });
});

describe("deliberate differences: rbac-binding-change", () => {
  test.each([
    "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / Arc-enabled Cluster RoleBinding Created",
    "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / Arc-enabled Cluster ClusterRoleBinding Created",
    "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / AKS Managed Cluster RoleBinding Created",
    "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / AKS Managed Cluster ClusterRoleBinding Created Case Insensitive",
  ])("%s: an Azure Activity Log record, not a kube-apiserver audit event — no incident", async (key) => {
    // kubetrail reads the API server's audit log (kube-audit / kube-audit-admin). These are ARM Activity Log
    // records (Arc connected clusters, or Azure-RBAC operations) with no audit event inside: there is no
    // binding, role or subject to judge. On AKS the same change is in kube-audit-admin as a `create
    // clusterrolebindings`, which rbac-binding-change does report (see the ClusterRoleBinding tests).
    // They are diagnostic records of another category (`Administrative`), so the decoder skips and counts them.
    const test = pantherTest(key);
    expect(test.expected_result).toBe(true);
    const result = await ourOutcome(test);
    expect(result.stats).toMatchObject({ records: 1, events: 0, quarantined: 0, skipped: { Administrative: 1 } });
    expect(result.fired).toBe(false);
  });

  test("ClusterRoleBinding to a non-privileged role (view): Panther stays silent; kubetrail reports it at Medium", async () => {
    // rbac-binding-change reports every binding change (an attacker's persistence often starts small); how
    // privileged the role is decides the severity, not whether to report.
    const result = await expectDifference("Kubernetes.ClusterRoleBinding.Privileged / ClusterRoleBinding to non-privileged role", true);
    expect(incidentsOf(result, "rbac-binding-change")).toEqual([
      expect.objectContaining({ Severity: "Medium", Evidence: expect.objectContaining({ roleRef: ["ClusterRole/view"], powerfulRole: false }) }),
    ]);
  });

  test("RoleBinding to cluster-admin: Panther's rule looks at ClusterRoleBindings only; kubetrail reports it High", async () => {
    // A RoleBinding to cluster-admin gives full control of the namespace, its secrets included: a powerful grant.
    const result = await expectDifference("Kubernetes.ClusterRoleBinding.Privileged / RoleBinding (not ClusterRoleBinding)", true);
    expect(incidentsOf(result, "rbac-binding-change")).toEqual([
      expect.objectContaining({ Severity: "High", Namespaces: ["default"], Evidence: expect.objectContaining({ powerfulRole: true }) }),
    ]);
  });

  test("a kube-system service account binding cluster-admin: Panther excludes system principals; kubetrail reports it High", async () => {
    // rbac-binding-change allowlists only AKS's own reconcilers and system:apiserver. A kube-system service
    // account minting cluster-admin is what a stolen controller token does; operators that legitimately manage
    // bindings are named in allowActors by the user.
    const result = await expectDifference("Kubernetes.ClusterRoleBinding.Privileged / System principal creating binding (excluded)", true);
    expect(incidentsOf(result, "rbac-binding-change")).toEqual([
      expect.objectContaining({ Severity: "High", Actor: "system:serviceaccount:kube-system:controller", ActorType: "serviceaccount" }),
    ]);
  });
});

describe("deliberate differences: pod-exec", () => {
  // Panther's kubectl-cp and token-theft rules are narrow specializations of its own Kubernetes.Pod.Exec, which
  // alerts on every one of these execs. pod-exec is that broad rule: any allowed exec, attach or debug container
  // is reported (one incident per actor and pod per window), with the commands as evidence; a shell with a TTY
  // or a system namespace raises the severity. Neither kube-system service accounts nor kube-system pods are
  // exempt: nothing in a cluster execs into pods as part of its normal work.
  test.each([
    [
      "Kubernetes.Kubectl.CP.Operation / EKS kubectl cp TO pod (not exfiltration)",
      "Medium",
      "a copy into the pod is still code and data planted in a workload",
    ],
    ["Kubernetes.Kubectl.CP.Operation / EKS regular tar archive creation", "Medium", "any command run in a container is an exec"],
    ["Kubernetes.Kubectl.CP.Operation / EKS regular exec without tar", "High", "an interactive /bin/sh with a TTY"],
    ["Kubernetes.Kubectl.CP.Operation / EKS system namespace (excluded)", "High", "an exec into kube-system, by a kube-system service account"],
    ["Kubernetes.Pod.StealServiceAccountToken / Regular exec without token access", "Medium", "an exec with no command in the URI"],
    ["Kubernetes.Pod.StealServiceAccountToken / System principal in system namespace (excluded)", "High", "kube-proxy's token exec'ing into kube-system"],
  ])("%s: Panther stays silent; kubetrail reports it at %s (%s)", async (key, severity) => {
    const result = await expectDifference(key, true);
    expect(incidentsOf(result, "pod-exec").map((i) => i.Severity)).toEqual([severity]);
  });
});

describe("deliberate differences: secret-enumeration", () => {
  test("Secret.AccessDenied, 20 refused *lists* in one namespace: Panther counts only gets; kubetrail counts every refused read", async () => {
    // A refused list or watch probes for secrets just as a refused get does; deniedReads counts get, list and watch.
    const result = await expectDifference("Kubernetes.Secret.AccessDenied / List secrets operation (not get)", true);
    expect(incidentsOf(result, "secret-enumeration")).toEqual([expect.objectContaining({ Evidence: expect.objectContaining({ deniedReads: 20 }) })]);
  });

  // Kubernetes.BulkSecretAccess (Enabled: false in Panther) alerts on 15 matching events (Threshold: 15), whatever
  // they read, although its description says "15 or more distinct secrets". secret-enumeration counts what was
  // read: distinct secrets (distinctSecrets), distinct namespaces (distinctNamespaces), cluster-wide lists, and
  // refusals (deniedReads, 20, as Panther's own AccessDenied). Re-reading one secret or re-listing one namespace is
  // what controllers and `kubectl get -w` do all day; it is not enumeration.
  test("BulkSecretAccess, one secret read 15 times: Panther alerts; kubetrail does not — and does for 10+ distinct secrets", async () => {
    const test = pantherTest("Kubernetes.BulkSecretAccess / User Gets a Secret");
    await expectDifference(pantherKey(test), false);
    const distinct = defaultNumberSetting("secret-enumeration", "distinctSecrets");
    const reads = repeatAsDistinctEvents(test.log, distinct, START).map((event, i) => withObjectRef(event, { name: `db-credentials-${i}` }));
    const result = await replayLogs(test, reads);
    expect(incidentsOf(result, "secret-enumeration")).toEqual([
      expect.objectContaining({ Severity: "Medium", Evidence: expect.objectContaining({ distinctSecrets: distinct }) }),
    ]);
  });

  test.each([
    ["Kubernetes.BulkSecretAccess / User Lists Secrets", "list"],
    ["Kubernetes.BulkSecretAccess / User Watches Secrets", "watch"],
  ])("%s, 15 times in one namespace: Panther alerts; kubetrail does not — and does across namespaces", async (key, verb) => {
    const test = pantherTest(key);
    await expectDifference(key, false);
    const spread = defaultNumberSetting("secret-enumeration", "distinctNamespaces");
    const reads = repeatAsDistinctEvents(test.log, spread, START).map((event, i) => withObjectRef(event, { namespace: `team-${i}` }));
    const result = await replayLogs(test, reads);
    expect(result.events.every((e) => e.verb === verb)).toBe(true);
    expect(incidentsOf(result, "secret-enumeration")).toEqual([expect.objectContaining({ Severity: "High", Namespaces: expect.arrayContaining(["team-0"]) })]);
  });

  test("BulkSecretAccess, one refused get 15 times: Panther alerts; kubetrail waits for 20 refusals (deniedReads)", async () => {
    const test = pantherTest("Kubernetes.BulkSecretAccess / User Gets Secret - Access Denied");
    await expectDifference(pantherKey(test), false);
    const denied = defaultNumberSetting("secret-enumeration", "deniedReads");
    const result = await replayLogs(test, repeatAsDistinctEvents(test.log, denied, START));
    expect(result.fired).toBe(true);
  });
});

function withObjectRef(event: JsonObject, change: JsonObject): JsonObject {
  const ref = typeof event.objectRef === "object" && event.objectRef !== null ? (event.objectRef as JsonObject) : {};
  return { ...event, objectRef: { ...ref, ...change } };
}
