/**
 * kubetrail against Falco's labels, case by case and detection by detection (falcoCases.ts says how the cases,
 * rules and override files map to ours). Expected: the case expects an alert of a rule mapped to the detection.
 * Ours: replaying the trace, with the case's overrides as settings, gives an incident of it. Every pair where
 * the two differ is listed in DIFFERENCES with its reason, and has its own case below.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { agreementOf, detectionIdsOf, differencesOf, FALCO_DIR, incidentsOf, REGISTERED, replayFile, splitPair } from "./corpusHelpers.js";
import { cases, compareAll, configOf, expectedDetections, falcoCase, falcoCount, firedDetections, replayCase } from "./falcoCases.js";

/**
 * The agreement with Falco's labels over every case × registered detection (positive: the label expects an alert
 * of the detection; positiveAgree: and ours fires); the rest are DIFFERENCES.
 */
const FIGURES = { agree: 2055, total: 2112, positive: 44, positiveAgree: 32 };

/** Deliberate differences, `<trace> / <Falco test> / <detection>`, grouped under their reason. */
const GROUPS: ReadonlyArray<readonly [reason: string, keys: readonly string[]]> = [
  // privileged-workload, system-namespace-workload, workload-image
  [
    "replicaset-controller wrote this pod from a Deployment's template: workload detections judge the template where a person writes it, not each pod a controller stamps out (judging controller writes, all three agree with every case: see below)",
    [
      "create_nginx_pod_hostnetwork.json / compat_engine_v4_create_hostnetwork_pod / privileged-workload",
      "create_nginx_pod_hostnetwork.json / create_hostnetwork_pod / privileged-workload",
      "create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json / create_privileged_no_secctx_1st_container_2nd_container_pod / privileged-workload",
      "create_nginx_pod_privileged.json / compat_engine_v4_create_privileged_pod / privileged-workload",
      "create_nginx_pod_privileged.json / create_privileged_pod / privileged-workload",
      "create_nginx_pod_privileged_2nd_container.json / create_privileged_2nd_container_pod / privileged-workload",
      "create_nginx_pod_sensitive_mount.json / create_sensitive_mount_pod / privileged-workload",
      "create_nginx_pod_sensitive_mount_2nd_container.json / create_sensitive_mount_2nd_container_pod / privileged-workload",
      "create_nginx_pod_unprivileged.json / compat_engine_v4_create_disallowed_pod / workload-image",
      "create_nginx_pod_unprivileged.json / create_disallowed_pod / workload-image",
      "create_pod_kube_public_namespace.json / create_pod_in_kube_public_namespace / system-namespace-workload",
      "create_pod_kube_system_namespace.json / create_pod_in_kube_system_namespace / system-namespace-workload",
    ],
  ],
  // admin-credential-use
  [
    "the trace's user holds a static admin credential (minikube-user and some-user are in system:masters, admin is a default admin name; on AKS: masterclient): admin-credential-use reports every session of one, as Falco's Full K8s Administrative Access would (off by default in Falco)",
    [
      "attach_cluster_admin_role.json / attach_cluster_admin_role / admin-credential-use",
      "attach_pod.json / pod_attach / admin-credential-use",
      "create_cluster_role_pod_exec.json / create_pod_exec_cluster_role / admin-credential-use",
      "create_cluster_role_wildcard_resources.json / create_cluster_role_wildcard_resources / admin-credential-use",
      "create_cluster_role_wildcard_verbs.json / create_cluster_role_wildcard_verbs / admin-credential-use",
      "create_cluster_role_write_privileges.json / create_writable_cluster_role / admin-credential-use",
      "create_clusterrole.json / create_clusterrole / admin-credential-use",
      "create_clusterrolebinding.json / create_clusterrolebinding / admin-credential-use",
      "create_configmap.json / create_configmap / admin-credential-use",
      "create_configmap_no_sensitive_values.json / create_configmap_no_private_creds / admin-credential-use",
      "create_configmap_sensitive_values.json / create_configmap_private_creds / admin-credential-use",
      "create_deployment.json / create_deployment / admin-credential-use",
      "create_kube_system_secret.json / create_kube_system_secret / admin-credential-use",
      "create_nginx_service_nodeport.json / create_nodeport_service / admin-credential-use",
      "create_nginx_service_nonodeport.json / create_nonodeport_service / admin-credential-use",
      "create_secret.json / create_secret / admin-credential-use",
      "create_service.json / create_service / admin-credential-use",
      "create_serviceaccount.json / create_serviceaccount / admin-credential-use",
      "create_serviceaccount_kube_public_namespace.json / create_serviceaccount_in_kube_public_namespace / admin-credential-use",
      "create_serviceaccount_kube_system_namespace.json / create_serviceaccount_in_kube_system_namespace / admin-credential-use",
      "delete_cluster_role_kube_aggregator.json / system_clusterrole_deleted / admin-credential-use",
      "delete_clusterrole.json / delete_clusterrole / admin-credential-use",
      "delete_clusterrolebinding.json / delete_clusterrolebinding / admin-credential-use",
      "delete_configmap.json / delete_configmap / admin-credential-use",
      "delete_deployment.json / delete_deployment / admin-credential-use",
      "delete_namespace_foo.json / delete_namespace / admin-credential-use",
      "delete_secret.json / delete_secret / admin-credential-use",
      "delete_service.json / delete_service / admin-credential-use",
      "delete_serviceaccount.json / delete_serviceaccount / admin-credential-use",
      "exec_pod.json / pod_exec / admin-credential-use",
      "minikube_creates_namespace_foo.json / namespace_in_allowed_set / admin-credential-use",
      "modify_cluster_role_node_problem_detector.json / system_clusterrole_modified / admin-credential-use",
    ],
  ],
  // object-lifecycle
  [
    "a kube-system secret created by a person: Falco's K8s Secret Created skips kube-system; object-lifecycle lists it, at Informational (quietSecretNamespaces)",
    ["create_kube_system_secret.json / create_kube_system_secret / object-lifecycle"],
  ],
  [
    "the case counts only the rule it tests, but Falco's stock INFO activity rule (K8s … Created/Deleted) fires on this event too: object-lifecycle is that activity stream",
    [
      "attach_cluster_admin_role.json / attach_cluster_admin_role / object-lifecycle",
      "create_cluster_role_pod_exec.json / create_pod_exec_cluster_role / object-lifecycle",
      "create_cluster_role_wildcard_resources.json / create_cluster_role_wildcard_resources / object-lifecycle",
      "create_cluster_role_wildcard_verbs.json / create_cluster_role_wildcard_verbs / object-lifecycle",
      "create_cluster_role_write_privileges.json / create_writable_cluster_role / object-lifecycle",
      "create_clusterrolebinding.json / create_clusterrolebinding / object-lifecycle",
      "create_serviceaccount.json / create_serviceaccount / object-lifecycle",
      "create_serviceaccount_kube_public_namespace.json / create_serviceaccount_in_kube_public_namespace / object-lifecycle",
      "create_serviceaccount_kube_system_namespace.json / create_serviceaccount_in_kube_system_namespace / object-lifecycle",
      "delete_cluster_role_kube_aggregator.json / system_clusterrole_deleted / object-lifecycle",
      "delete_clusterrolebinding.json / delete_clusterrolebinding / object-lifecycle",
      "some-user_creates_namespace_foo.json / user_outside_allowed_set / object-lifecycle",
    ],
  ],
];

const DIFFERENCES = differencesOf(GROUPS);

describe("kubetrail against Falco's labels", () => {
  test.each(cases.map((c) => [c.key, c] as const))(
    "%s: our detections fire exactly where Falco's labels expect, but for the listed differences",
    async (_key, c) => {
      const fired = await firedDetections(c);
      const expected = expectedDetections(c).filter((id) => REGISTERED.includes(id));
      const differing = REGISTERED.filter((id) => DIFFERENCES.has(`${c.key} / ${id}`));
      const flip = (ids: readonly string[], id: string) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]);
      expect(fired).toEqual(differing.reduce(flip, expected).sort());
      // Falco counts alerts (one per event); our incidents count the distinct events behind them.
      const result = await replayCase(c);
      for (const id of expected.filter((e) => fired.includes(e))) {
        expect(incidentsOf(result, id).reduce((sum, incident) => sum + incident.EventCount, 0)).toBe(falcoCount(c, id));
      }
    },
  );

  test(`agreement: ${FIGURES.agree} of ${FIGURES.total} case × detection pairs (${cases.length} cases × ${REGISTERED.length} registered detections): ${FIGURES.positiveAgree} of ${FIGURES.positive} positive, ${FIGURES.agree - FIGURES.positiveAgree} of ${FIGURES.total - FIGURES.positive} negative`, async () => {
    const rows = await compareAll(REGISTERED);
    expect(agreementOf(rows)).toEqual(FIGURES);
    expect(
      rows
        .filter((r) => r.expected !== r.ours)
        .map((r) => r.key)
        .sort(),
    ).toEqual([...DIFFERENCES.keys()].sort());
  });
});

describe("deliberate differences from Falco", () => {
  const entries = [...DIFFERENCES];
  test("name real cases and registered detections", () => {
    for (const key of DIFFERENCES.keys()) {
      const { subject: caseKey, detection } = splitPair(key);
      expect(falcoCase(caseKey).key).toBe(caseKey);
      expect(REGISTERED).toContain(detection);
    }
  });

  test.each(entries)("%s: %s", async (key) => {
    const { subject: caseKey, detection } = splitPair(key);
    const c = falcoCase(caseKey);
    const fired = (await firedDetections(c)).includes(detection);
    expect(fired).toBe(falcoCount(c, detection) === 0);
  });
});

describe("what the differences come to", () => {
  const WORKLOAD = ["privileged-workload", "workload-image", "system-namespace-workload"];
  const stamped = new Set(
    [...DIFFERENCES].filter(([, reason]) => reason.startsWith("replicaset-controller wrote this pod")).map(([key]) => falcoCase(splitPair(key).subject).trace),
  );

  test.each(cases.filter((c) => stamped.has(c.trace)).map((c) => [c.key, c] as const))(
    "%s: judging the pods controllers write, our workload detections agree with Falco's case, trusted and allowed images included",
    async (_key, c) => {
      // The settings that make the workload detections look at what replicaset-controller writes; the case's own
      // overrides (trusted nginx, allowed images) still apply on top, as Falco's do.
      const config = configOf(c);
      const judged = {
        ...config,
        "privileged-workload": { ...config["privileged-workload"], inspectControllerWrites: true },
        "workload-image": { ...config["workload-image"], controllerActors: [] },
        "system-namespace-workload": { ...config["system-namespace-workload"], controllerActors: [], systemActors: [] },
      };
      const fired = detectionIdsOf(await replayFile(join(FALCO_DIR, c.trace), judged)).filter((id) => WORKLOAD.includes(id));
      expect(fired).toEqual(WORKLOAD.filter((id) => falcoCount(c, id) > 0).sort());
    },
  );

  test("object-lifecycle, where it fires beyond Falco's labels, is Informational context", async () => {
    const extra = [...DIFFERENCES.keys()].map(splitPair).filter((d) => d.detection === "object-lifecycle");
    expect(extra.length).toBeGreaterThan(0);
    for (const { subject: caseKey } of extra) {
      const severities = incidentsOf(await replayCase(falcoCase(caseKey)), "object-lifecycle").map((i) => i.Severity);
      expect([caseKey, severities]).toEqual([caseKey, ["Informational"]]);
    }
  });

  test("admin-credential-use: naming the trace's users as Falco's allowed_k8s_users does silences every extra", async () => {
    // minikube-user and some-user are in system:masters; admin is in adminUsers. Falco's stock allowed_k8s_users
    // lists minikube-user and admin; its tests add some-user (allow_user_some-user.yaml).
    const FALCO_ALLOWED = ["minikube-user", "admin", "some-user"];
    const extra = [...DIFFERENCES.keys()].map(splitPair).filter((d) => d.detection === "admin-credential-use");
    expect(extra.length).toBeGreaterThan(0);
    for (const { subject: caseKey } of extra) {
      const c = falcoCase(caseKey);
      const actors = incidentsOf(await replayCase(c), "admin-credential-use").map((i) => i.Actor);
      expect(actors.length === 1 && FALCO_ALLOWED.includes(actors[0] ?? "")).toBe(true);
      const allowed = await replayFile(join(FALCO_DIR, c.trace), { ...configOf(c), "admin-credential-use": { allowActors: FALCO_ALLOWED } });
      expect([caseKey, incidentsOf(allowed, "admin-credential-use").map((i) => i.Actor)]).toEqual([caseKey, []]);
    }
  });
});
