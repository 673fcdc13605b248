/**
 * Panther's unit tests for its Kubernetes rules, replayed through kubetrail: raw EKS audit events, AKS diagnostic
 * records, and the Azure Activity Log records of Panther's AKS rolebinding rule. pantherCases.ts maps each Panther
 * rule to the detection that covers it and says how a test is fed (completed fields, thresholds, settings).
 *
 * This file checks the corpus and how it is fed, and shows, for the deliberate differences of the four core
 * detections, what kubetrail does report instead. The agreement figures, test by test and detection by
 * detection, and the reason for every difference are in pantherDifferences.test.ts.
 */
import { describe, expect, test } from "vitest";
import {
  completePantherLog,
  defaultNumberSetting,
  incidentsOf,
  isRegistered,
  type JsonObject,
  messageOf,
  pantherKey,
  pantherRuleNumber,
  type Replay,
  repeatAsDistinctEvents,
  replay,
} from "./corpusHelpers.js";
import {
  all,
  cloudNetworksOfPanther,
  configOf,
  DETECTION_OF,
  detectionOf,
  gke,
  inScope,
  logsFor,
  MAPPED_DETECTIONS,
  pantherTest,
  replayTest,
  START,
  START_ISO,
} from "./pantherCases.js";

/** Detections Panther's rules map to that are not registered yet (their tests count as uncovered until they are). */
const PENDING: readonly string[] = [];

async function replayLogs(key: string, logs: readonly JsonObject[]): Promise<Replay & { fired: boolean }> {
  const test = pantherTest(key);
  const result = await replayTest(test, logs);
  return { ...result, fired: incidentsOf(result, detectionOf(test)).length > 0 };
}

/** A deliberate difference: Panther's label says one thing, kubetrail the other. Returns our replay. */
async function expectDifference(key: string, ours: boolean): Promise<Replay & { fired: boolean }> {
  const test = pantherTest(key);
  expect(test.expected_result).toBe(!ours);
  const result = await replayTest(test);
  expect(result.quarantined).toEqual([]);
  expect(incidentsOf(result, detectionOf(test)).length > 0).toBe(ours);
  return { ...result, fired: ours };
}

describe("the Panther tests", () => {
  test("are 262 of 34 rules: 228 EKS raw, AKS envelope or Azure Activity records, and 34 GKE entries (out of scope)", () => {
    expect(all).toHaveLength(262);
    expect(inScope).toHaveLength(228);
    expect(gke).toHaveLength(34);
    expect(inScope.filter((t) => t.aks_envelope_record)).toHaveLength(34);
    expect(new Set(all.map((t) => t.rule_id))).toEqual(new Set(Object.keys(DETECTION_OF)));
  });

  test("every Panther rule maps to a registered detection", () => {
    expect(MAPPED_DETECTIONS.filter((id) => !isRegistered(id))).toEqual(PENDING);
  });

  test("as written, 208 of the 223 kube-audit logs are quarantined: 11 have no verb, 197 have no timestamp at all", async () => {
    // Panther's rule() reads neither; kubetrail needs both (selection is by verb; time is event time).
    const kubeAudit = inScope.filter((t) => t.rule_id !== "Azure.MonitorActivity.Kubernetes.RoleBindingCreated");
    const result = await replay(kubeAudit.map((t, i) => messageOf(t.log, pantherKey(t), i + 1)));
    const reasons: Record<string, number> = {};
    for (const q of result.quarantined) reasons[q.reason] = (reasons[q.reason] ?? 0) + 1;
    expect(kubeAudit).toHaveLength(223);
    // 14 carry a time; the Azure Activity record of IOC.Activity's "Non-K8s Azure Activity" is skipped by category.
    expect(result.stats).toMatchObject({ events: 14, skipped: { Administrative: 1 } });
    expect(reasons).toEqual({
      "audit event has no verb": 11,
      "audit event has no valid timestamp (stageTimestamp, requestReceivedTimestamp or envelope time)": 197,
    });
  });

  test("Panther's Secret.AccessDenied threshold (20 in 15 min) equals our deniedReads default (20 in 30 min)", () => {
    expect(pantherRuleNumber("k8s_secret_access_denied.yml", "Threshold")).toBe(defaultNumberSetting("secret-enumeration", "deniedReads"));
    expect(pantherRuleNumber("k8s_secret_access_denied.yml", "DedupPeriodMinutes")).toBe(15);
    expect(defaultNumberSetting("secret-enumeration", "windowMinutes")).toBe(30);
  });

  test("Panther's thresholds are read from every rule that has one, trailing YAML comments included", () => {
    const thresholds = Object.fromEntries(
      [...new Set(all.map((t) => t.source_file))].flatMap((file) => {
        const n = pantherRuleNumber(file, "Threshold");
        return n === undefined ? [] : [[file, n]];
      }),
    );
    expect(thresholds).toEqual({
      "k8s_multiple_403_public_ip.yml": 10,
      "k8s_secret_access_denied.yml": 20,
      "k8s_secret_enumeration.yml": 15,
      "source_ip_multiple_403.yml": 10,
      "system_namespace_public_ip.yml": 1,
    });
  });

  test("a threshold test fed 20 times as the *same* event counts once: distinct auditIDs are what make 20", async () => {
    // Without an auditID the normalizer synthesizes one from the content, so identical copies are one request
    // (as a redelivered or twice-logged event must be), and nothing fires.
    const key = "Kubernetes.Secret.AccessDenied / EKS failed secret get (403 Forbidden)";
    const same = completePantherLog(pantherTest(key).log, START_ISO);
    const result = await replayLogs(
      key,
      Array.from({ length: 20 }, () => same),
    );
    expect(result.events).toHaveLength(20);
    expect(new Set(result.events.map((e) => e.auditId)).size).toBe(1);
    expect(result.events[0]?.auditId).toMatch(/^sha1-/);
    expect(result.fired).toBe(false);
  });

  test("the 34 GKE tests are out of scope: Cloud Audit Log entries are quarantined as not audit records", async () => {
    const result = await replay(gke.map((t, i) => messageOf(t.log, pantherKey(t), i + 1)));
    expect(result.stats).toMatchObject({ records: 34, events: 0, quarantined: 34 });
    expect(result.quarantined.every((q) => q.reason.startsWith("not an audit record"))).toBe(true);
  });
});

describe("untrusted-source: off by default, switched on for the tests of the three Panther rules it covers", () => {
  const covered = inScope.filter((t) => detectionOf(t) === "untrusted-source");
  const positives = covered.filter((t) => t.expected_result);

  test("the settings: hostileNetworks from the event's TOR exit-node enrichment, expectedNetworks from the cloud ranges Panther's enrichment names", () => {
    expect(new Set(covered.map((t) => t.rule_id))).toEqual(
      new Set(["Kubernetes.API.IOC.Activity", "Kubernetes.System.Principal.PublicIP", "Amazon.EKS.Audit.SystemNamespaceFromPublicIP"]),
    );
    // AWS: the MISP warning-list range and ipinfo's route of an EKS node; Azure: ipinfo's AS8075 matches of AKS nodes.
    expect(cloudNetworksOfPanther()).toEqual(["20.127.0.100/32", "20.127.0.45/32", "54.208.0.0/13", "54.212.0.0/16"]);
    const ioc = pantherTest("Kubernetes.API.IOC.Activity / EKS Activity from Tor Exit Node");
    expect(configOf(ioc)).toEqual({ "untrusted-source": { enabled: true, hostileNetworks: ["1.2.3.4/32"], expectedNetworks: cloudNetworksOfPanther() } });
    expect(configOf(pantherTest("Kubernetes.Pod.Exec / EKS Exec Into Pod"))).toEqual({});
  });

  test(`on its defaults it reports none of the ${positives.length} tests Panther alerts on; so configured, every one`, async () => {
    expect(positives).toHaveLength(7);
    for (const t of positives) {
      const off = await replayTest(t, logsFor(t), {});
      const on = await replayTest(t, logsFor(t));
      expect([pantherKey(t), incidentsOf(off, "untrusted-source").length, incidentsOf(on, "untrusted-source").length]).toEqual([pantherKey(t), 0, 1]);
    }
  });
});

describe("deliberate differences: anonymous-access", () => {
  test("EKS Web Scanner Allowed (GET /version): Panther alerts; kubetrail does not — /version is a public endpoint", async () => {
    // Every cluster lets anonymous clients read /version, /healthz and friends (ClusterRole system:public-info-viewer).
    // anonymous-access reports what RBAC grants beyond those (settings.publicPaths); that the API server is reachable
    // from the internet is a network finding, not an audit-log one.
    const result = await expectDifference("Amazon.EKS.AnonymousAPIAccess / Anonymous API Access Web Scanner Allowed", false);
    expect(result.events).toEqual([expect.objectContaining({ requestUri: "/version", actorType: "anonymous" })]);
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
    const burst = await replayLogs(pantherKey(test), probe);
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
    const result = await replayTest(test);
    expect(result.stats).toMatchObject({ records: 1, events: 0, quarantined: 0, skipped: { Administrative: 1 } });
    expect(result.incidents).toEqual([]);
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
    const result = await replayLogs(pantherKey(test), reads);
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
    const result = await replayLogs(pantherKey(test), reads);
    expect(result.events.every((e) => e.verb === verb)).toBe(true);
    expect(incidentsOf(result, "secret-enumeration")).toEqual([expect.objectContaining({ Severity: "High", Namespaces: expect.arrayContaining(["team-0"]) })]);
  });

  test("BulkSecretAccess, one refused get 15 times: Panther alerts; kubetrail waits for 20 refusals (deniedReads)", async () => {
    const test = pantherTest("Kubernetes.BulkSecretAccess / User Gets Secret - Access Denied");
    await expectDifference(pantherKey(test), false);
    const denied = defaultNumberSetting("secret-enumeration", "deniedReads");
    const result = await replayLogs(pantherKey(test), repeatAsDistinctEvents(test.log, denied, START));
    expect(result.fired).toBe(true);
  });
});

function withObjectRef(event: JsonObject, change: JsonObject): JsonObject {
  const ref = typeof event.objectRef === "object" && event.objectRef !== null ? (event.objectRef as JsonObject) : {};
  return { ...event, objectRef: { ...ref, ...change } };
}
