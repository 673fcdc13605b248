/**
 * kubetrail against Panther's ExpectedResult, test by test and detection by detection (pantherCases.ts says how
 * rules map to our detections and how a test is fed). Expected: the test's rule maps to the detection and must
 * alert. Ours: replaying the test gives an incident of the detection. Every other registered detection must
 * stay silent on a test, or the pair is a difference. Every pair where the two differ is listed below, grouped by
 * its reason, and has its own case; pantherTests.test.ts shows what the core detections report instead.
 */
import { describe, expect, test } from "vitest";
import { agreementOf, detectionIdsOf, differencesOf, incidentsOf, pantherKey, REGISTERED, splitPair } from "./corpusHelpers.js";
import { compareAll, detectionOf, expected, inScope, pantherTest, replayTest } from "./pantherCases.js";

/**
 * The agreement with Panther: on the detection each test's rule maps to (tests whose detection is registered),
 * and over every registered detection (the others must stay silent). Positive: Panther expects an alert of the
 * detection; positiveAgree: and ours fires. The rest are DIFFERENCES.
 */
const FIGURES = {
  mapped: { agree: 189, total: 228, positive: 94, positiveAgree: 83 },
  all: { agree: 7186, total: 7296, positive: 94, positiveAgree: 83 },
};

/** Deliberate differences, `<rule id> / <test name> / <detection>`, grouped under their reason. */
const GROUPS: ReadonlyArray<readonly [reason: string, keys: readonly string[]]> = [
  // anonymous-access
  [
    "/version and /healthz are public on every cluster (system:public-info-viewer): anonymous-access reports what RBAC grants beyond them, not that the API server is reachable",
    [
      "Amazon.EKS.AnonymousAPIAccess / Anonymous API Access Web Scanner Allowed / anonymous-access",
      "Amazon.EKS.AnonymousAPIAccess / ELB Health Check from Public IP / anonymous-access",
    ],
  ],
  [
    "one refused anonymous request is what every internet-facing API server sees all day: anonymous-access reports a source refused on probeDistinctPaths distinct paths",
    ["Amazon.EKS.AnonymousAPIAccess / Anonymous API Access Web Scanner Denied / anonymous-access"],
  ],
  // rbac-binding-change
  [
    "an Azure Activity Log (ARM) record, not a kube-apiserver audit event: skipped by category; AKS logs the same change in kube-audit-admin",
    [
      "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / Arc-enabled Cluster RoleBinding Created / rbac-binding-change",
      "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / Arc-enabled Cluster ClusterRoleBinding Created / rbac-binding-change",
      "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / AKS Managed Cluster RoleBinding Created / rbac-binding-change",
      "Azure.MonitorActivity.Kubernetes.RoleBindingCreated / AKS Managed Cluster ClusterRoleBinding Created Case Insensitive / rbac-binding-change",
    ],
  ],
  [
    "rbac-binding-change reports every binding change, ClusterRoleBinding or RoleBinding, by system principals too: the role's power sets the severity",
    [
      "Kubernetes.ClusterRoleBinding.Privileged / ClusterRoleBinding to non-privileged role / rbac-binding-change",
      "Kubernetes.ClusterRoleBinding.Privileged / RoleBinding (not ClusterRoleBinding) / rbac-binding-change",
      "Kubernetes.ClusterRoleBinding.Privileged / System principal creating binding (excluded) / rbac-binding-change",
    ],
  ],
  [
    "a kube-system service account writing a ClusterRole: rbac-binding-change also reports RBAC objects written by service accounts (catalogue row 52), where Panther's role rules exclude system principals",
    [
      "Kubernetes.Role.NodeProxyPermissions / System principal creating role (excluded) / rbac-binding-change",
      "Kubernetes.Role.PodExec / System principal creating role (excluded) / rbac-binding-change",
      "Kubernetes.Role.Wildcard / System principal creating role (excluded) / rbac-binding-change",
      "Kubernetes.Role.WritePermissions / System principal creating role (excluded) / rbac-binding-change",
      "Kubernetes.SystemRole.Modified / System principal modifying system role (excluded) / rbac-binding-change",
    ],
  ],
  // pod-exec
  [
    "pod-exec is Panther's own broad Kubernetes.Pod.Exec: every allowed exec is reported, kube-system included; kubectl cp and token theft are its narrow specializations",
    [
      "Kubernetes.Kubectl.CP.Operation / EKS kubectl cp TO pod (not exfiltration) / pod-exec",
      "Kubernetes.Kubectl.CP.Operation / EKS regular tar archive creation / pod-exec",
      "Kubernetes.Kubectl.CP.Operation / EKS regular exec without tar / pod-exec",
      "Kubernetes.Kubectl.CP.Operation / EKS system namespace (excluded) / pod-exec",
      "Kubernetes.Pod.StealServiceAccountToken / Regular exec without token access / pod-exec",
      "Kubernetes.Pod.StealServiceAccountToken / System principal in system namespace (excluded) / pod-exec",
    ],
  ],
  // secret-enumeration
  [
    "a refused list probes for secrets as a refused get does: deniedReads counts get, list and watch",
    ["Kubernetes.Secret.AccessDenied / List secrets operation (not get) / secret-enumeration"],
  ],
  [
    "re-reading one secret or re-listing one namespace 15 times is what controllers do: secret-enumeration counts distinct secrets and namespaces, and 20 refusals",
    [
      "Kubernetes.BulkSecretAccess / User Gets a Secret / secret-enumeration",
      "Kubernetes.BulkSecretAccess / User Lists Secrets / secret-enumeration",
      "Kubernetes.BulkSecretAccess / User Watches Secrets / secret-enumeration",
      "Kubernetes.BulkSecretAccess / User Gets Secret - Access Denied / secret-enumeration",
    ],
  ],
  // rbac-role-change
  [
    "rbac-role-change also reports roles granting write verbs (reportWriteRoles, Falco's ClusterRole With Write Privileges Created); Panther's node-proxy rule looks only at nodes",
    ["Kubernetes.Role.NodeProxyPermissions / Role with pod permissions (not nodes) / rbac-role-change"],
  ],
  [
    "an update that gives an existing role sensitive rules is as dangerous as creating it (Elastic, rows 55 and 57): Panther's role rules look at creates only",
    [
      "Kubernetes.Role.NodeProxyPermissions / Updating existing role (not creating) / rbac-role-change",
      "Kubernetes.Role.PodExec / Updating existing role (not creating) / rbac-role-change",
      "Kubernetes.Role.Wildcard / Updating existing role (not creating) / rbac-role-change",
      "Kubernetes.Role.WritePermissions / Updating existing role (not creating) / rbac-role-change",
    ],
  ],
  // denied-requests
  [
    "denied-requests reports a refused create on its own (Elastic's Kubernetes Forbidden Creation Request); Panther's rules exclude failed requests",
    [
      "Kubernetes.AdmissionController.Created / Webhook Creation Failed / denied-requests",
      "Kubernetes.ClientCertificate.Created / Failed CSR creation (excluded) / denied-requests",
      "Kubernetes.ClusterRoleBinding.Privileged / Failed request (excluded) / denied-requests",
      "Kubernetes.CronJob.CreatedOrModified / CronJob Creation Failed / denied-requests",
      "Kubernetes.DaemonSet.Created / DaemonSet Creation Failed / denied-requests",
      "Kubernetes.Ingress.NoTLS / Failed request (excluded) / denied-requests",
      "Kubernetes.Kubectl.CP.Operation / EKS failed request (excluded) / denied-requests",
      "Kubernetes.Pod.SystemNamespace / Failed pod creation (excluded) / denied-requests",
      "Kubernetes.Pod.Dangerous.Capabilities / Pod Creation Failed / denied-requests",
      "Kubernetes.Pod.Host.IPC / Pod Creation Failed / denied-requests",
      "Kubernetes.Pod.Host.Network / Pod Creation Failed / denied-requests",
      "Kubernetes.Pod.Host.PID / Pod Creation Failed / denied-requests",
      "Kubernetes.Pod.HostPath.Volume / Pod Creation Failed / denied-requests",
      "Kubernetes.Role.NodeProxyPermissions / Failed request (excluded) / denied-requests",
      "Kubernetes.Role.PodExec / Failed request (excluded) / denied-requests",
      "Kubernetes.Role.Wildcard / Failed request (excluded) / denied-requests",
      "Kubernetes.Role.WritePermissions / Failed request (excluded) / denied-requests",
      "Kubernetes.ServiceAccount.TokenCreated / Failed token creation (excluded) / denied-requests",
      "Kubernetes.Pod.StealServiceAccountToken / Failed exec (excluded) / denied-requests",
    ],
  ],
  [
    "fed Threshold (15 or 20) times, the test is that many refusals by one identity from one source: at least deniedRequests (10), whatever the resource",
    [
      "Kubernetes.Secret.AccessDenied / EKS failed secret get (403 Forbidden) / denied-requests",
      "Kubernetes.Secret.AccessDenied / AKS failed secret get (401 Unauthorized) / denied-requests",
      "Kubernetes.Secret.AccessDenied / Service account failed to get secret / denied-requests",
      "Kubernetes.Secret.AccessDenied / System service account failed get (excluded) / denied-requests",
      "Kubernetes.Secret.AccessDenied / Failed get on non-secret resource / denied-requests",
      "Kubernetes.Secret.AccessDenied / List secrets operation (not get) / denied-requests",
      "Kubernetes.BulkSecretAccess / User Gets Secret - Access Denied / denied-requests",
    ],
  ],
  [
    "10 refusals of one identity are a probe from a private address too (a compromised pod is inside the network): the source only sets the severity (Low)",
    [
      "Kubernetes.API.Multiple403.PublicIP / 403 from Private IP (Excluded) / denied-requests",
      "Kubernetes.API.Multiple403.PublicIP / No Source IP / denied-requests",
      "Amazon.EKS.Audit.Multiple403 / 403 and Private IP / denied-requests",
    ],
  ],
  // untrusted-source
  [
    "a system identity's credential from an unexpected public address is reported whatever the answer and stage: a refused or still-streaming request is the stolen token being tried (Medium when all were refused)",
    [
      "Kubernetes.System.Principal.PublicIP / 403 Response (Excluded) / untrusted-source",
      "Amazon.EKS.Audit.SystemNamespaceFromPublicIP / system username - public ip - not ResponseComplete / untrusted-source",
      "Amazon.EKS.Audit.SystemNamespaceFromPublicIP / system username - public ip - 403 / untrusted-source",
    ],
  ],
  [
    "expectedNetworks is the list of networks Panther's enrichment names as the clusters' cloud; this address has no enrichment (Panther's rule knows Azure's ranges itself)",
    ["Kubernetes.System.Principal.PublicIP / AKS CSI File Driver from Azure Node / untrusted-source"],
  ],
  // privileged-workload
  [
    "kube-system is where an attacker hides a privileged pod: privileged-workload exempts only AKS's own identities, not system namespaces or every kube-system service account",
    [
      "Kubernetes.Pod.Host.IPC / System Namespace with HostIPC (Excluded) / privileged-workload",
      "Kubernetes.Pod.HostPath.Volume / System Namespace Pod (Excluded) / privileged-workload",
    ],
  ],
  // privileged-workload, system-namespace-workload
  [
    "a person's DaemonSet in kube-system mounting the Docker socket: a sensitive hostPath (privileged-workload) and a workload hidden in a system namespace (system-namespace-workload); Panther's DaemonSet rule reports only that it was created",
    [
      "Kubernetes.DaemonSet.Created / EKS DaemonSet Created / privileged-workload",
      "Kubernetes.DaemonSet.Created / EKS DaemonSet Created / system-namespace-workload",
    ],
  ],
  // system-namespace-workload
  [
    "a person creating a Deployment in kube-system hides a workload there as much as a bare pod does: templates are judged where they are written",
    ["Kubernetes.Pod.SystemNamespace / Deployment creating pod (not direct pod creation) / system-namespace-workload"],
  ],
  // admin-credential-use
  [
    "kubernetes-admin (EKS, kubeadm) and masterclient (AKS) are static admin credentials: admin-credential-use reports every session of one (Falco's Full K8s Administrative Access, Sentinel's masterclient panel)",
    [
      "Amazon.EKS.AnonymousAPIAccess / Non-Anonymous API Access / admin-credential-use",
      "Kubernetes.API.AnonymousAccess / Non-Anonymous API Access / admin-credential-use",
      "Kubernetes.Pod.Exec / AKS Exec Into Pod (realistic) / admin-credential-use",
      "Amazon.EKS.Audit.Multiple403 / Not 403 / admin-credential-use",
      "Amazon.EKS.Audit.SystemNamespaceFromPublicIP / non-system username / admin-credential-use",
    ],
  ],
  // service-account-created
  [
    "service-account-created reports every service account a person creates (Sigma's serviceaccount_creation, catalogue row 59)",
    ["Kubernetes.ServiceAccount.TokenCreated / Service account creation (not token) / service-account-created"],
  ],
  // admission-webhook-change
  [
    "an update that repoints a webhook is as dangerous as a create: admission-webhook-change reports create, update, patch and delete (Sigma, Elastic)",
    ["Kubernetes.AdmissionController.Created / Webhook Update (Not Create) / admission-webhook-change"],
  ],
  // object-lifecycle
  [
    "object-lifecycle is the activity stream of what a person creates and deletes (Falco's K8s … Created/Deleted rules): it lists this write beside the detection that judges it, at Informational (Low for secrets, namespaces and deleted deployments)",
    [
      "Kubernetes.AdmissionController.Created / Different Resource Type / object-lifecycle",
      "Kubernetes.ClusterRoleBinding.Privileged / EKS ClusterRoleBinding to cluster-admin / object-lifecycle",
      "Kubernetes.ClusterRoleBinding.Privileged / AKS ClusterRoleBinding to system:masters / object-lifecycle",
      "Kubernetes.ClusterRoleBinding.Privileged / EKS ClusterRoleBinding to controller-manager role / object-lifecycle",
      "Kubernetes.ClusterRoleBinding.Privileged / ClusterRoleBinding to non-privileged role / object-lifecycle",
      "Kubernetes.ClusterRoleBinding.Privileged / RoleBinding (not ClusterRoleBinding) / object-lifecycle",
      "Kubernetes.DaemonSet.Created / Deployment Creation (Not DaemonSet) / object-lifecycle",
      "Kubernetes.Pod.SystemNamespace / Deployment creating pod (not direct pod creation) / object-lifecycle",
      "Kubernetes.Role.NodeProxyPermissions / EKS ClusterRole with nodes/proxy permission / object-lifecycle",
      "Kubernetes.Role.NodeProxyPermissions / AKS ClusterRole with nodes/* permission / object-lifecycle",
      "Kubernetes.Role.NodeProxyPermissions / EKS Role with nodes wildcard / object-lifecycle",
      "Kubernetes.Role.NodeProxyPermissions / Role with only node list permission (no proxy) / object-lifecycle",
      "Kubernetes.Role.NodeProxyPermissions / Role with pod permissions (not nodes) / object-lifecycle",
      "Kubernetes.Role.PodExec / EKS ClusterRole with pods/exec / object-lifecycle",
      "Kubernetes.Role.PodExec / AKS Role with pods/exec in namespace / object-lifecycle",
      "Kubernetes.Role.PodExec / Role without pods/exec (only pods) / object-lifecycle",
      "Kubernetes.Role.PodExec / ClusterRole with only read permissions / object-lifecycle",
      "Kubernetes.Role.Wildcard / EKS ClusterRole with wildcard resources and verbs / object-lifecycle",
      "Kubernetes.Role.Wildcard / AKS Role with wildcard verbs only / object-lifecycle",
      "Kubernetes.Role.Wildcard / EKS ClusterRole with multiple rules, one with wildcard / object-lifecycle",
      "Kubernetes.Role.Wildcard / Role with specific resources and verbs (no wildcard) / object-lifecycle",
      "Kubernetes.Role.Wildcard / ClusterRole with wildcard apiGroups only (not resources or verbs) / object-lifecycle",
      "Kubernetes.Role.WritePermissions / EKS ClusterRole with delete permissions on secrets / object-lifecycle",
      "Kubernetes.Role.WritePermissions / AKS Role with create and update on pods / object-lifecycle",
      "Kubernetes.Role.WritePermissions / EKS Role with mixed read and write permissions / object-lifecycle",
      "Kubernetes.Role.WritePermissions / Role with read-only permissions / object-lifecycle",
      "Kubernetes.BulkSecretAccess / Write Verb Excluded / object-lifecycle",
      "Kubernetes.Service.NodePort.Deployed / EKS NodePort Service Created / object-lifecycle",
      "Kubernetes.Service.NodePort.Deployed / AKS NodePort Service Created / object-lifecycle",
      "Kubernetes.Service.NodePort.Deployed / ClusterIP Service Created / object-lifecycle",
      "Kubernetes.ServiceAccount.TokenCreated / Service account creation (not token) / object-lifecycle",
      "Kubernetes.SystemRole.Modified / AKS system ClusterRole deleted / object-lifecycle",
    ],
  ],
  // service-exposure
  [
    "an Ingress without TLS exposes plain HTTP wherever it lives and however it got there: service-exposure judges creates and updates in every namespace (at Low); Panther's rule looks at creates outside system namespaces",
    [
      "Kubernetes.Ingress.NoTLS / System namespace (excluded) / service-exposure",
      "Kubernetes.Ingress.NoTLS / Updating existing ingress (not creating) / service-exposure",
    ],
  ],
];

const DIFFERENCES = differencesOf(GROUPS);

describe("kubetrail against Panther's ExpectedResult", () => {
  test.each(inScope.map((t) => [pantherKey(t), t] as const))("%s", async (key, t) => {
    const result = await replayTest(t);
    expect(result.quarantined).toEqual([]);
    const fired = detectionIdsOf(result);
    for (const id of REGISTERED) {
      const differs = DIFFERENCES.has(`${key} / ${id}`);
      expect([id, fired.includes(id)]).toEqual([id, differs !== expected(t, id)]);
    }
  });

  test(`agreement on the rule's own detection: ${FIGURES.mapped.agree} of ${FIGURES.mapped.total} tests: ${FIGURES.mapped.positiveAgree} of ${FIGURES.mapped.positive} positive, ${FIGURES.mapped.agree - FIGURES.mapped.positiveAgree} of ${FIGURES.mapped.total - FIGURES.mapped.positive} negative`, async () => {
    expect(agreementOf((await compareAll(REGISTERED)).filter((r) => r.mapped))).toEqual(FIGURES.mapped);
  });

  test(`agreement over every registered detection: ${FIGURES.all.agree} of ${FIGURES.all.total} test × detection pairs (${inScope.length} tests × ${REGISTERED.length} detections), each difference listed`, async () => {
    const rows = await compareAll(REGISTERED);
    expect(agreementOf(rows)).toEqual(FIGURES.all);
    expect(
      rows
        .filter((r) => r.expected !== r.ours)
        .map((r) => r.key)
        .sort(),
    ).toEqual([...DIFFERENCES.keys()].sort());
  });
});

describe("deliberate differences from Panther", () => {
  test.each([...DIFFERENCES])("%s: %s", async (key) => {
    const { subject: testKey, detection } = splitPair(key);
    const t = pantherTest(testKey);
    expect(REGISTERED).toContain(detection);
    const ours = detectionIdsOf(await replayTest(t)).includes(detection);
    expect(ours).toBe(!expected(t, detection));
    // A difference on another rule's test is always one of ours firing beyond what Panther's rule looks at.
    if (detectionOf(t) !== detection) expect(ours).toBe(true);
  });
});

describe("what the differences come to", () => {
  const extrasOf = (detection: string) => [...DIFFERENCES.keys()].map(splitPair).filter((d) => d.detection === detection);

  test("object-lifecycle, where it fires beside another rule's detection, is context: Informational, Low for secrets, namespaces and deletions", async () => {
    expect(extrasOf("object-lifecycle").length).toBeGreaterThan(0);
    for (const { subject: testKey } of extrasOf("object-lifecycle")) {
      const result = await replayTest(pantherTest(testKey));
      for (const incident of incidentsOf(result, "object-lifecycle"))
        expect([testKey, incident.Severity]).toEqual([testKey, expect.stringMatching(/^(Informational|Low)$/)]);
    }
  });

  test("denied-requests on Panther's private-address and no-address 403 tests: reported, at Low", async () => {
    const privateOnes = extrasOf("denied-requests").filter(({ subject: testKey }) => /Private IP|No Source IP/.test(testKey));
    expect(privateOnes).toHaveLength(3);
    for (const { subject: testKey } of privateOnes) {
      const severities = incidentsOf(await replayTest(pantherTest(testKey)), "denied-requests").map((i) => i.Severity);
      expect([testKey, severities]).toEqual([testKey, ["Low"]]);
    }
  });
});
