/**
 * Every AKS audit record in ../shared/corpus decodes and normalizes: real Event Hub messages and storage archives
 * (Sysdig, Datadog), Elastic's pipeline fixtures, and the AKS-envelope records of Panther's rule tests. Counts are
 * exact, and normalized fields are checked against the source text, parsed here independently of the pipeline.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { ActorType, AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import {
  auditEventOf,
  completePantherLog,
  corpusPath,
  isObject,
  type JsonObject,
  messageOf,
  pantherKey,
  pantherTests,
  type Replay,
  readJsonLines,
  replay,
  replayFile,
} from "./corpusHelpers.js";

/** Actor type of every identity in these files (e-mail addresses are users); a username missing here fails the test that meets it. */
const ACTOR_TYPES: Readonly<Record<string, ActorType>> = {
  aksService: "aks-managed",
  hcpService: "aks-managed",
  readinessChecker: "aks-managed",
  // AKS's admin credential (`az aks get-credentials --admin`): a person, not AKS.
  masterclient: "user",
  nodeclient: "node",
  "system:node:aks-nodepool1-12345-vmss000001": "node",
  // A bootstrap token's user name: not in system:nodes yet, so a plain user.
  "kubelet-nodepool-bootstrap": "user",
  "test-user": "user",
  "system:apiserver": "system",
  "system:anonymous": "anonymous",
  "system:serviceaccount:kube-system:resourcequota-controller": "serviceaccount",
  "system:serviceaccount:kube-system:generic-garbage-collector": "serviceaccount",
  "system:serviceaccount:kube-system:daemon-set-controller": "serviceaccount",
  "system:serviceaccount:kube-system:metrics-server": "serviceaccount",
  "system:serviceaccount:kube-system:elastic-agent": "serviceaccount",
  "system:serviceaccount:kube-system:csi-azuredisk-node-sa": "serviceaccount",
  "system:serviceaccount:kube-system:csi-azurefile-node-sa": "serviceaccount",
  // Elastic's made-up name has the plural prefix of a *group*; it is no service account, just a reserved system: name.
  "system:serviceaccounts:default:default": "system",
};

/** What the normalized event must say, read straight off a diagnostic record (or a bare event) of the corpus. */
function expectedFromSource(record: JsonObject): Partial<Record<string, unknown>> {
  const event = auditEventOf(record);
  const resourceId = typeof record.resourceId === "string" ? record.resourceId.toLowerCase() : "";
  const user = isObject(event.user) ? event.user : {};
  const ref = isObject(event.objectRef) ? event.objectRef : undefined;
  return {
    resourceId,
    clusterName: resourceId.slice(resourceId.lastIndexOf("/") + 1),
    auditId: event.auditID,
    verb: event.verb,
    stage: event.stage,
    username: user.username,
    requestUri: event.requestURI,
    time: Date.parse(String(event.stageTimestamp)),
    resource: ref?.resource,
  };
}

function normalizedFields(event: AuditEvent): Partial<Record<string, unknown>> {
  return {
    resourceId: event.cluster.resourceId,
    clusterName: event.cluster.name,
    auditId: event.auditId,
    verb: event.verb,
    stage: event.stage,
    username: event.user.username,
    requestUri: event.requestUri,
    time: event.time,
    resource: event.objectRef?.resource,
  };
}

function expectedActorType(username: string): ActorType | undefined {
  return ACTOR_TYPES[username] ?? (/^[^@\s:]+@[^@\s]+$/.test(username) ? "user" : undefined);
}

function expectActorTypes(result: Replay): void {
  for (const event of result.events) expect([event.user.username, event.actorType]).toEqual([event.user.username, expectedActorType(event.user.username)]);
}

function expectClean(result: Replay, counts: { messages: number; records: number }): void {
  expect(result.stats.messages).toBe(counts.messages);
  expect(result.stats.records).toBe(counts.records);
  expect(result.stats.events).toBe(counts.records);
  expect(result.stats.quarantined).toBe(0);
  expect(result.quarantined).toEqual([]);
  expect(result.stats.skipped).toEqual({});
}

describe("sysdiglabs-aks-audit-log: a real Event Hub message (2020, AKS 1.15)", () => {
  const file = corpusPath("sysdiglabs-aks-audit-log", "event.json");
  const source = JSON.parse(readFileSync(file, "utf8")) as { records: JsonObject[] };

  test("event.json: one message, 22 records, 22 events, nothing quarantined or skipped", async () => {
    const result = await replayFile(file);
    expectClean(result, { messages: 1, records: 22 });
    expect(source.records).toHaveLength(22);
    expect(new Set(result.events.map((e) => e.auditId)).size).toBe(22);
  });

  test("event.json: every normalized event matches its source record, field by field", async () => {
    const result = await replayFile(file);
    expect(result.events.map(normalizedFields)).toEqual(source.records.map(expectedFromSource));
    expectActorTypes(result);
    expect(result.events.every((e) => e.category === "kube-audit")).toBe(true);
  });

  test("event.json: spot checks (cluster id lower-cased, actor types, times, non-resource requests, the 409)", async () => {
    const { events } = await replayFile(file);
    const [first] = events;
    expect(first?.cluster).toEqual({
      resourceId:
        "/subscriptions/bfc31cc5-d3bd-4b36-a40e-d13688d546ec/resourcegroups/kubeauditlogtest/providers/microsoft.containerservice/managedclusters/kubetest",
      name: "kubetest",
    });
    expect(first).toMatchObject({
      auditId: "55ffceaa-b7c3-478e-98c6-e509cd2f0dd7",
      verb: "get",
      actorType: "serviceaccount",
      // stageTimestamp, not the envelope's `time` (2020-05-05T16:16:37.0000000Z).
      time: Date.parse("2020-05-05T16:16:37.663647Z"),
      objectRef: undefined,
    });
    const conflict = events[2];
    expect(conflict).toMatchObject({ verb: "create", actorType: "aks-managed", responseCode: 409, user: { username: "aksService" } });
    expect(conflict?.objectRef).toMatchObject({ resource: "configmaps" });
    // nodeclient's watch, logged once as ResponseComplete and once as ResponseStarted, with different auditIDs here.
    const watches = events.filter((e) => e.user.username === "nodeclient");
    expect(watches.map((e) => [e.stage, e.actorType, e.verb])).toEqual([
      ["ResponseComplete", "node", "watch"],
      ["ResponseStarted", "node", "watch"],
      ["ResponseComplete", "node", "watch"],
      ["ResponseStarted", "node", "watch"],
    ]);
    expect(watches[0]?.sourceIps).toEqual(["52.141.212.165"]);
    expect(watches[0]?.requestReceivedTime).toBe(Date.parse("2020-05-05T16:11:29.102666Z"));
  });

  test("benign control-plane traffic raises no incident", async () => {
    const result = await replayFile(file);
    expect(result.incidents).toEqual([]);
  });

  test("sample_EventHubs_event.json: a BOM-prefixed, pretty-printed single record decodes as one record", async () => {
    const path = corpusPath("sysdiglabs-aks-audit-log", "sample_EventHubs_event.json");
    const result = await replayFile(path);
    expectClean(result, { messages: 1, records: 1 });
    expect(result.messages[0]?.location).toEqual({ source: path, line: 1 });
    const [event] = result.events;
    expect(event).toMatchObject({
      cluster: { name: "kubeauditlogtestcluster" },
      auditId: "4e2a4193-cb3d-4ff7-bf37-32c392fbc23b",
      verb: "get",
      requestUri: "/apis/autoscaling/v2beta1?timeout=32s",
      actorType: "serviceaccount",
      user: { username: "system:serviceaccount:kube-system:generic-garbage-collector" },
      time: Date.parse("2020-05-08T22:44:17.862312Z"),
      objectRef: undefined,
      decision: "allow",
    });
    expect(event?.cluster.resourceId).toBe(event?.cluster.resourceId.toLowerCase());
  });

  test("sample_KubeAuditLog_event.json: a BOM-prefixed, pretty-printed bare event decodes, without a cluster", async () => {
    const path = corpusPath("sysdiglabs-aks-audit-log", "sample_KubeAuditLog_event.json");
    const result = await replayFile(path);
    expectClean(result, { messages: 1, records: 1 });
    const [event] = result.events;
    expect(event).toMatchObject({
      // A bare event names no cluster; the replay CLI's recordDefaults can supply one.
      cluster: { resourceId: "", name: "" },
      category: undefined,
      auditId: "71749feb-8e92-43e6-a72f-af6171f811ee",
      level: "RequestResponse",
      verb: "update",
      actorType: "serviceaccount",
      objectRef: { resource: "controllerrevisions", namespace: "kube-system", name: "kube-proxy-56987cf666", apiGroup: "apps" },
    });
    // RequestResponse level keeps the bodies (a ControllerRevision carries no secret).
    expect(event?.requestObject).toMatchObject({ kind: "ControllerRevision" });
    expect(event?.responseObject).toMatchObject({ kind: "ControllerRevision" });
    expectActorTypes(result);
  });
});

describe("datadog-azure-log-forwarding-aks-blob: a real storage-archive blob (2024, AKS 1.29)", () => {
  const file = corpusPath("datadog-azure-log-forwarding-aks-blob", "aks_logs.json");
  const source = readJsonLines(file) as JsonObject[];

  test("aks_logs.json: 21 lines, 21 records, 21 events with distinct auditIDs, nothing quarantined or skipped", async () => {
    const result = await replayFile(file);
    expectClean(result, { messages: 21, records: 21 });
    expect(source).toHaveLength(21);
    expect(result.messages.map((m) => m.location.line)).toEqual(source.map((_, i) => i + 1));
    expect(new Set(result.events.map((e) => e.auditId)).size).toBe(21);
    expect(result.events.every((e) => e.stage === "ResponseComplete")).toBe(true);
  });

  test("aks_logs.json: every normalized event matches its source line, field by field", async () => {
    const result = await replayFile(file);
    expect(result.events.map(normalizedFields)).toEqual(source.map(expectedFromSource));
    expectActorTypes(result);
  });

  test("aks_logs.json: spot checks (escaped slashes, the empty-string group, user.extra, AKS identities)", async () => {
    const { events } = await replayFile(file);
    expect(new Set(events.map((e) => e.cluster.name))).toEqual(new Set(["mike-azure-aks"]));
    // properties.log escapes `/` as `\/` and ends in `\n`.
    expect(events[0]).toMatchObject({ requestUri: "/readyz", actorType: "aks-managed", user: { username: "readinessChecker", uid: "1" } });
    const hcp = events.find((e) => e.user.username === "hcpService");
    expect(hcp).toMatchObject({ requestUri: "/metrics", actorType: "aks-managed", user: { uid: "6", groups: ["", "system:authenticated"] } });
    const sar = events[6];
    expect(sar).toMatchObject({ verb: "create", level: "RequestResponse", actorType: "serviceaccount", objectRef: { resource: "subjectaccessreviews" } });
    expect([...(sar?.user.extra.keys() ?? [])].sort()).toEqual(["authentication.kubernetes.io/pod-name", "authentication.kubernetes.io/pod-uid"]);
    // stageTimestamp wins over the envelope's 2024-11-15T21:00:02.0917275Z.
    expect(sar?.time).toBe(Date.parse("2024-11-15T21:00:02.091524Z"));
    expect(events.find((e) => e.user.username === "system:apiserver")?.actorType).toBe("system");
  });

  test("benign control-plane traffic raises no incident", async () => {
    const result = await replayFile(file);
    expect(result.incidents).toEqual([]);
  });
});

describe("elastic-integrations-k8s-audit_logs: Elastic's pipeline fixtures", () => {
  const dir = "elastic-integrations-k8s-audit_logs";

  test("test-kube-audit.log: one AKS record with a string `log` (no records[] wrapper)", async () => {
    const path = corpusPath(dir, "test-kube-audit.log");
    const result = await replayFile(path);
    expectClean(result, { messages: 1, records: 1 });
    const [event] = result.events;
    expect(event).toMatchObject({
      cluster: {
        resourceId: "/subscriptions/ae2861b3-e901-49bd-99f3-660eb5747107/resourcegroups/test/providers/microsoft.containerservice/managedclusters/test-cluster",
        name: "test-cluster",
      },
      category: "kube-audit",
      auditId: "ad26f7bc-f1c6-4097-90f1-e0924e12f257",
      verb: "update",
      actorType: "aks-managed",
      user: { username: "aksService" },
      objectRef: { resource: "leases", namespace: "kube-system", name: "kubelet-serving-csr-approver" },
    });
    // Elastic's expected @timestamp is the same instant at millisecond precision.
    const expected = JSON.parse(readFileSync(corpusPath(dir, "test-kube-audit.log-expected.json"), "utf8")) as { expected: JsonObject[] };
    expect(event?.time).toBe(Date.parse(String(expected.expected[0]?.["@timestamp"])));
    expect(event?.time).toBe(Date.parse("2025-10-07T16:19:19.647762Z"));
  });

  test("test-audit.log: 5 lines → 4 events (3 raw v1, 1 AKS record with an object `log`); the GKE line is quarantined", async () => {
    const path = corpusPath(dir, "test-audit.log");
    const result = await replayFile(path);
    expect(result.stats).toMatchObject({ messages: 5, records: 5, events: 4, quarantined: 1, skipped: {} });
    // Line 4 is a GKE Cloud Logging entry (protoPayload): not an AKS or Kubernetes audit shape, so it is set
    // aside with its place and reason rather than guessed at. kubetrail reads AKS; GKE is out of scope.
    expect(result.quarantined).toEqual([expect.objectContaining({ location: `${path}:4`, reason: expect.stringMatching(/^not an audit record/) })]);
    const [podGet, leaseGet, leaseGetAgain, aks] = result.events;
    expect(podGet).toMatchObject({ cluster: { resourceId: "" }, category: undefined, verb: "get", actorType: "system" });
    expect(leaseGet).toMatchObject({ actorType: "serviceaccount", authorizationReason: expect.stringContaining('RoleBinding "elastic-agent/kube-system"') });
    expect(leaseGetAgain?.auditId).toBe(leaseGet?.auditId);
    expect(aks).toMatchObject({
      cluster: { name: "test-aks" },
      category: "kube-audit-admin",
      verb: "update",
      actorType: "aks-managed",
      time: Date.parse("2025-09-30T06:23:35.101182Z"),
    });
    // The fixture reuses one auditID (abcde12345) on every line.
    expect(new Set(result.events.map((e) => e.auditId))).toEqual(new Set(["abcde12345"]));
    expectActorTypes(result);
  });

  test("test-audit.log: lines 1–3 agree with Elastic's expected documents", async () => {
    const result = await replayFile(corpusPath(dir, "test-audit.log"));
    const expected = JSON.parse(readFileSync(corpusPath(dir, "test-audit.log-expected.json"), "utf8")) as { expected: JsonObject[] };
    const elastic = expected.expected
      .map((doc) => (isObject(doc.kubernetes) && isObject(doc.kubernetes.audit) ? doc.kubernetes.audit : {}))
      .filter((audit) => typeof audit.verb === "string");
    expect(elastic).toHaveLength(3);
    const ours = result.events.slice(0, 3).map((e) => ({ auditID: e.auditId, verb: e.verb, requestURI: e.requestUri, stage: e.stage, sourceIPs: e.sourceIps }));
    expect(ours).toEqual(elastic.map((a) => ({ auditID: a.auditID, verb: a.verb, requestURI: a.requestURI, stage: a.stage, sourceIPs: a.sourceIPs })));
    expect(result.events.slice(0, 3).map((e) => e.user.username)).toEqual(elastic.map((a) => (isObject(a.user) ? a.user.username : undefined)));
  });
});

describe("panther-analysis-k8s-rule-tests: the 34 AKS-envelope records", () => {
  const records = pantherTests().filter((t) => t.aks_envelope_record);
  const TIME = "2024-03-20T10:00:00Z";

  test("there are 34, all kube-audit diagnostic records whose properties.log is a JSON string", () => {
    expect(records).toHaveLength(34);
    expect(records.every((t) => t.log.category === "kube-audit" && isObject(t.log.properties) && typeof t.log.properties.log === "string")).toBe(true);
  });

  test("as written, none has a time anywhere (no envelope `time`, no stage or request timestamp): all 34 are quarantined", async () => {
    // Panther's hand-written records omit every timestamp; real AKS records always carry `time` and stageTimestamp.
    // kubetrail works in event time and cannot place an event without one, so it quarantines, naming the reason.
    const result = await replay(records.map((t, i) => messageOf(t.log, t.source_file, i + 1)));
    expect(result.stats).toMatchObject({ records: 34, events: 0, quarantined: 34, skipped: {} });
    expect(new Set(result.quarantined.map((q) => q.reason))).toEqual(
      new Set(["audit event has no valid timestamp (stageTimestamp, requestReceivedTimestamp or envelope time)"]),
    );
  });

  test("with the envelope `time` AKS always sets, all 34 decode and normalize: 34 events, nothing quarantined or skipped", async () => {
    const result = await replay(records.map((t, i) => messageOf(completePantherLog(t.log, TIME), t.source_file, i + 1)));
    expectClean(result, { messages: 34, records: 34 });
    expect(result.events.every((e) => e.time === Date.parse(TIME) && e.category === "kube-audit")).toBe(true);
    expectActorTypes(result);
    // Only two records name a cluster; the rest have no resourceId at all.
    expect(result.events.filter((e) => e.cluster.resourceId !== "").map((e) => e.cluster)).toEqual([
      { resourceId: "/subscriptions/xxx/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/cluster", name: "cluster" },
      { resourceId: "/subscriptions/xxx/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/cluster", name: "cluster" },
    ]);
  });

  test("records without an auditID get a stable id synthesized from their content; the others keep theirs", async () => {
    const messages = records.map((t, i) => messageOf(completePantherLog(t.log, TIME), t.source_file, i + 1));
    const first = await replay(messages);
    const second = await replay(messages);
    expect(second.events.map((e) => e.auditId)).toEqual(first.events.map((e) => e.auditId));
    const sourceIds = records.map((t) => auditEventOf(t.log).auditID);
    expect(sourceIds.filter((id) => id !== undefined)).toEqual(["abc-123", "abc-123", "abc-123"]);
    first.events.forEach((event, i) => {
      const id = sourceIds[i];
      if (typeof id === "string") expect(event.auditId).toBe(id);
      else expect(event.auditId).toMatch(/^sha1-[0-9a-f]{32}$/);
    });
    // 31 synthesized ids, one per distinct record.
    expect(new Set(first.events.map((e) => e.auditId).filter((id) => id.startsWith("sha1-"))).size).toBe(31);
  });

  test("spot checks: masterclient is a user, a node identity is node, kube-system service accounts are serviceaccount", async () => {
    const byName = new Map(records.map((t) => [t.test_name, t]));
    const eventFor = async (name: string) => {
      const test = byName.get(name);
      if (!test) throw new Error(`no Panther AKS record named ${name}`);
      const result = await replay([messageOf(completePantherLog(test.log, TIME), pantherKey(test))]);
      return result.events[0];
    };
    expect(await eventFor("AKS Exec Into Pod (realistic)")).toMatchObject({
      user: { username: "masterclient", groups: ["system:masters", "system:authenticated"] },
      actorType: "user",
      verb: "get",
      stage: "ResponseStarted",
      responseCode: 101,
      sourceIps: ["20.43.245.209", "172.31.52.37"],
      objectRef: { resource: "pods", subresource: "exec", namespace: "default", name: "nginx-pod" },
    });
    expect(await eventFor("AKS System Node from Azure IP")).toMatchObject({ actorType: "node", verb: "create" });
    expect(await eventFor("AKS CSI Disk Driver from Azure Node")).toMatchObject({
      actorType: "serviceaccount",
      user: { username: "system:serviceaccount:kube-system:csi-azuredisk-node-sa" },
    });
    expect(await eventFor("AKS Anonymous API Access")).toMatchObject({ actorType: "anonymous", auditId: "abc-123", cluster: { name: "cluster" } });
  });
});
