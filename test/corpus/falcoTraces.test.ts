/**
 * Falco's k8s_audit regression traces (minikube, 2018–2020) replayed through kubetrail: the labels and how their
 * rules map to our detections (falcoCases.ts), every trace through the pipeline, and what the incidents say.
 * The agreement with Falco's labels, case by case and detection by detection, and every deliberate difference
 * are in falcoDifferences.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { aksEventHubMessage, detectionIdsOf, FALCO_DIR, incidentsOf, isRegistered, messageOf, replay, replayFile } from "./corpusHelpers.js";
import { cases, DETECTION_OF_RULE, labels, MAPPED_DETECTIONS, NOT_AN_EVENT, OVERRIDES, traces, UNCOVERED_RULES } from "./falcoCases.js";

/** Detections the labels' rules map to that are not registered yet (their rules count as uncovered until they are). */
const PENDING: readonly string[] = [];

function casesOf(trace: string) {
  return labels.get(trace) ?? [];
}

function nonEmptyLines(trace: string): number {
  return readFileSync(join(FALCO_DIR, trace), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "").length;
}

const replayTrace = (trace: string) => replayFile(join(FALCO_DIR, trace));

describe("the labels", () => {
  test("label every one of the 47 trace files with Falco's 66 test cases", () => {
    expect(traces).toHaveLength(47);
    expect([...labels.keys()].sort()).toEqual(traces);
    expect(cases).toHaveLength(66);
  });

  test("every Falco rule the labels name maps to one detection, or to none with a reason; no rule is mapped that no label names", () => {
    const named = new Set(cases.flatMap((c) => Object.keys(c.falco.detect_counts)));
    const mapped = [...Object.keys(DETECTION_OF_RULE), ...Object.keys(UNCOVERED_RULES)];
    expect(mapped.sort()).toEqual([...named].sort());
    expect(Object.keys(DETECTION_OF_RULE).filter((rule) => rule in UNCOVERED_RULES)).toEqual([]);
  });

  test("every override rules file a case loads has a translation into our settings, naming only mapped detections", () => {
    const files = new Set(cases.flatMap((c) => c.falco.extra_rules_files));
    expect([...files].sort()).toEqual(Object.keys(OVERRIDES).sort());
    for (const { config } of Object.values(OVERRIDES)) expect(Object.keys(config).filter((id) => !MAPPED_DETECTIONS.includes(id))).toEqual([]);
  });

  test("the detections the labels' rules map to are registered", () => {
    expect(MAPPED_DETECTIONS.filter((id) => !isRegistered(id))).toEqual(PENDING);
  });
});

describe("every trace goes through the pipeline", () => {
  test.each(traces.filter((t) => t !== NOT_AN_EVENT))("%s: every line is an event, nothing quarantined", async (trace) => {
    const result = await replayTrace(trace);
    const lines = nonEmptyLines(trace);
    expect(result.stats).toMatchObject({ records: lines, events: lines, quarantined: 0, skipped: {} });
    expect(result.quarantined).toEqual([]);
  });

  test(`${NOT_AN_EVENT}: the deliberate non-event is quarantined with a reason and its place, and alerts on nothing`, async () => {
    // Falco's case expects "data not recognized as a k8s audit event" and no alert; kubetrail's equivalent is a
    // quarantine entry naming file and line. It is the one quarantine in this folder, and it is meant.
    expect(casesOf(NOT_AN_EVENT)).toEqual([expect.objectContaining({ detect: false })]);
    const result = await replayTrace(NOT_AN_EVENT);
    expect(result.stats).toMatchObject({ records: 1, events: 0, quarantined: 1 });
    expect(result.quarantined).toEqual([
      expect.objectContaining({ location: `${join(FALCO_DIR, NOT_AN_EVENT)}:1`, reason: expect.stringMatching(/^not an audit record/) }),
    ]);
    expect(result.incidents).toEqual([]);
  });
});

describe("as AKS Event Hub messages", () => {
  test("the traces wrapped in AKS diagnostic records give the same detections as raw, on the named cluster", async () => {
    const resourceId =
      "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/FALCO-REPLAY";
    let fired = 0;
    for (const trace of traces.filter((t) => t !== NOT_AN_EVENT)) {
      const events = readFileSync(join(FALCO_DIR, trace), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as unknown);
      const raw = detectionIdsOf(await replayTrace(trace));
      const result = await replay([messageOf(aksEventHubMessage(events, resourceId, "2020-01-01T00:00:00Z"), trace)]);
      expect([trace, result.stats.events, result.stats.quarantined, detectionIdsOf(result)]).toEqual([trace, events.length, 0, raw]);
      for (const incident of result.incidents) expect(incident).toMatchObject({ ClusterName: "falco-replay", ClusterResourceId: resourceId.toLowerCase() });
      fired += result.incidents.length;
    }
    expect(fired).toBeGreaterThan(0);
  });
});

describe("what the incidents say", () => {
  test("anonymous_creates_namespace_foo.json: an allowed anonymous create is High, from its source IP", async () => {
    const [incident] = incidentsOf(await replayTrace("anonymous_creates_namespace_foo.json"), "anonymous-access");
    expect(incident).toMatchObject({ Severity: "High", Actor: "system:anonymous", ActorType: "anonymous", SourceIps: ["192.168.99.1"] });
    expect(incident?.Evidence.requests).toEqual(["create /api/v1/namespaces → 201"]);
  });

  test("attach_cluster_admin_role.json: binding cluster-admin is High, even for minikube-user in system:masters", async () => {
    // Falco's minikube traces run as minikube-user, a member of system:masters. kubetrail does not exempt
    // system:masters: on AKS that group is also the admin credential a person downloads (masterclient), so a
    // cluster-admin grant made with it is exactly what must be seen. Falco's binding rules do not exempt it either.
    const [incident] = incidentsOf(await replayTrace("attach_cluster_admin_role.json"), "rbac-binding-change");
    expect(incident).toMatchObject({ Severity: "High", Actor: "minikube-user", ActorType: "user", Targets: ["clusterrolebindings//some-reader-binding"] });
    expect(incident?.ActorGroups).toContain("system:masters");
    expect(incident?.Evidence).toMatchObject({ roleRef: ["ClusterRole/cluster-admin"], subjects: ["User/minikube"], powerfulRole: true });
  });

  test("create_clusterrolebinding.json: binding an ordinary role is reported, at Medium", async () => {
    const [incident] = incidentsOf(await replayTrace("create_clusterrolebinding.json"), "rbac-binding-change");
    expect(incident).toMatchObject({ Severity: "Medium", Evidence: { roleRef: ["ClusterRole/system:basic-user"], powerfulRole: false } });
  });

  test("delete_clusterrolebinding.json: a delete logged without the binding's body is reported, at Low, role unknown", async () => {
    // Falco's "K8s Role/Clusterrolebinding Deleted" fires on the name alone. kubetrail fires too, but cannot tell
    // which role was removed (no earlier event of this binding in the trace), and says so.
    const [incident] = incidentsOf(await replayTrace("delete_clusterrolebinding.json"), "rbac-binding-change");
    expect(incident).toMatchObject({ Severity: "Low", Evidence: { changes: ["delete"], roleRef: [] } });
    expect(incident?.Description).toContain("its role is unknown");
  });

  test("exec_pod.json: an interactive bash with a TTY is High and lists the command", async () => {
    const [incident] = incidentsOf(await replayTrace("exec_pod.json"), "pod-exec");
    expect(incident).toMatchObject({
      Severity: "High",
      Targets: ["pods/default/nginx-deployment-7998647bdf-phvq7"],
      Evidence: { actions: ["exec"], commands: ["bash"], interactiveShell: true },
    });
  });

  test("attach_pod.json: attach (no command) is reported at Medium", async () => {
    const [incident] = incidentsOf(await replayTrace("attach_pod.json"), "pod-exec");
    expect(incident).toMatchObject({ Severity: "Medium", Evidence: { actions: ["attach"], commands: [], interactiveShell: false } });
  });
});
