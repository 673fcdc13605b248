/**
 * Every input envelope the pipeline accepts decodes to the same normalized event, and bad input is set
 * aside with a reason and a place: Event Hub messages (`properties.log` as text or object), storage-archive
 * lines, raw `Event`s and `EventList`s, JSON arrays, Log Analytics `AKSAudit` rows and `AzureDiagnostics`
 * rows; then files read through readMessages (JSON lines, whole documents, gzip, broken first lines).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import type { AuditCategory, AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { normalizeAuditRecord } from "../../pipeline/normalize/normalizeAuditRecord.js";
import { parseEventTime } from "../../pipeline/normalize/time.js";
import { type InputMessage, Pipeline } from "../../pipeline/pipeline.js";
import { readMessages } from "../../pipeline/replay/readInputs.js";
import { aksRecord, auditEvent, DEFAULT_CLUSTER, eventHubMessage, klogRecord } from "../../scripts/synthetic/auditRecords.js";
import { FIXED_NOW } from "../support/harness.js";
import { azureDiagnosticsRow, decodeAndNormalize, eventList, isBalanced, logAnalyticsRow } from "./inputs/envelopes.js";

const T = Date.UTC(2024, 10, 15, 21, 0, 0, 154);
const CLUSTER_ID = DEFAULT_CLUSTER.toLowerCase();
const GROUPS = ["3f1e2d4c-5b6a-4789-8abc-0123456789ab", "system:authenticated"];
const USER = {
  username: "dev@contoso.com",
  uid: "6d2c7a3e-1f4b-4c1d-9e8f-a1b2c3d4e5f6",
  groups: GROUPS,
  extra: { oid: ["6d2c7a3e-1f4b-4c1d-9e8f-a1b2c3d4e5f6"], "authentication.kubernetes.io/credential-id": ["JTI=0f7e6d5c"] },
};

/** A ConfigMap create at RequestResponse level: every field a normalized event carries, bodies included. */
const configEvent = auditEvent({
  auditID: "5b0cbd3c-9a8e-4f4e-a2a1-1f5a0c9e7d11",
  time: T,
  latencyMs: 7,
  verb: "create",
  username: USER.username,
  resource: "configmaps",
  namespace: "prod",
  name: "app-settings",
  level: "RequestResponse",
  sourceIP: "20.50.100.7",
  userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
  reason: 'RBAC: allowed by RoleBinding "dev-edit/prod" of ClusterRole "edit" to Group "3f1e2d4c-5b6a-4789-8abc-0123456789ab"',
  requestObject: { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "app-settings", namespace: "prod" }, data: { LOG_LEVEL: "debug" } },
  responseObject: {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { name: "app-settings", namespace: "prod", uid: "0e5c7d5e-3a55-4d4f-bb34-2f1f1a0a9c77", resourceVersion: "4711" },
    data: { LOG_LEVEL: "debug" },
  },
});
configEvent.user = USER;

/** A cluster-wide list of secrets: a secret-enumeration incident on its own. */
const listEvent = auditEvent({
  auditID: "9d1f0a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b",
  time: T + 60_000,
  verb: "list",
  username: USER.username,
  resource: "secrets",
  sourceIP: "20.50.100.7",
});
listEvent.user = USER;

const EVENTS = [configEvent, listEvent];

/** The fields of a normalized event that come from the audit event itself (not from its envelope). */
function eventFields(e: AuditEvent) {
  return {
    auditId: e.auditId,
    stage: e.stage,
    level: e.level,
    time: e.time,
    requestReceivedTime: e.requestReceivedTime,
    verb: e.verb,
    requestUri: e.requestUri,
    user: { ...e.user, extra: [...e.user.extra] },
    actorType: e.actorType,
    impersonatedUser: e.impersonatedUser,
    sourceIps: e.sourceIps,
    userAgent: e.userAgent,
    objectRef: e.objectRef,
    responseCode: e.responseCode,
    decision: e.decision,
    authorizationReason: e.authorizationReason,
    requestObject: e.requestObject,
    responseObject: e.responseObject,
  };
}

interface Format {
  readonly name: string;
  /** The message body as a parsed value; text and bytes forms are derived from it. */
  readonly body: (events: readonly Record<string, unknown>[]) => unknown;
  /** The cluster and category the envelope names (raw kube-apiserver events name neither). */
  readonly cluster: boolean;
  readonly category: AuditCategory | undefined;
  /** Record index path of the i-th event inside the message. */
  readonly recordOf: (i: number) => string | undefined;
  /** Log Analytics writes oversize bodies as a marker string: those formats carry no bodies. */
  readonly bodies: boolean;
}

const objectLog = (record: Record<string, unknown>, event: Record<string, unknown>) => ({
  ...record,
  properties: { ...(record.properties as Record<string, unknown>), log: event },
});

const FORMATS: readonly Format[] = [
  {
    name: "Event Hub message, properties.log as a JSON string ending in a newline",
    body: (events) => JSON.parse(eventHubMessage(events.map((e) => aksRecord(e)))),
    cluster: true,
    category: "kube-audit",
    recordOf: (i) => String(i),
    bodies: true,
  },
  {
    name: "Event Hub message, properties.log already parsed",
    body: (events) => ({ records: events.map((e) => objectLog(aksRecord(e), e)) }),
    cluster: true,
    category: "kube-audit",
    recordOf: (i) => String(i),
    bodies: true,
  },
  {
    name: "storage-archive line (a bare kube-audit-admin record)",
    body: (events) => aksRecord(events[0] as Record<string, unknown>, { category: "kube-audit-admin" }),
    cluster: true,
    category: "kube-audit-admin",
    recordOf: () => undefined,
    bodies: true,
  },
  {
    name: "raw audit.k8s.io/v1 Event line",
    body: (events) => events[0],
    cluster: false,
    category: undefined,
    recordOf: () => undefined,
    bodies: true,
  },
  {
    name: "EventList",
    body: (events) => eventList(events),
    cluster: false,
    category: undefined,
    recordOf: (i) => String(i),
    bodies: true,
  },
  {
    name: "JSON array of Event Hub messages",
    body: (events) => events.map((e) => ({ records: [aksRecord(e)], EventProcessedUtcTime: "2024-11-15T21:05:00.0000000Z", PartitionId: 3 })),
    cluster: true,
    category: "kube-audit",
    recordOf: (i) => `${i}.0`,
    bodies: true,
  },
  {
    name: "Log Analytics AKSAudit row, dynamic columns as objects",
    body: (events) => logAnalyticsRow(events[0] as Record<string, unknown>),
    cluster: true,
    category: "kube-audit",
    recordOf: () => undefined,
    bodies: true,
  },
  {
    name: "Log Analytics AKSAudit rows (an export array), dynamic columns as JSON text",
    body: (events) => events.map((e) => logAnalyticsRow(e, { dynamicAsText: true })),
    cluster: true,
    category: "kube-audit",
    recordOf: (i) => String(i),
    bodies: true,
  },
  {
    name: "Log Analytics AKSAuditAdmin rows, RequestObject and ResponseObject skipped-too-big-size-object",
    body: (events) => events.map((e) => logAnalyticsRow(e, { type: "AKSAuditAdmin", tooBig: true })),
    cluster: true,
    category: "kube-audit-admin",
    recordOf: (i) => String(i),
    bodies: false,
  },
  {
    name: "AzureDiagnostics rows with Category and log_s",
    body: (events) => events.map((e) => azureDiagnosticsRow(e)),
    cluster: true,
    category: "kube-audit",
    recordOf: (i) => String(i),
    bodies: true,
  },
];

/** Formats whose message holds one event: the rest carry both events in one message. */
const SINGLE = new Set([
  "storage-archive line (a bare kube-audit-admin record)",
  "raw audit.k8s.io/v1 Event line",
  "Log Analytics AKSAudit row, dynamic columns as objects",
]);

const FORMS = {
  value: (value: unknown) => value,
  text: (value: unknown) => JSON.stringify(value),
  bytes: (value: unknown) => new TextEncoder().encode(JSON.stringify(value)),
} as const;
type Form = keyof typeof FORMS;

/** Messages carrying both events in a format, in a given body form. */
function messagesOf(format: Format, form: Form): InputMessage[] {
  const groups = SINGLE.has(format.name) ? EVENTS.map((e) => [e]) : [EVENTS];
  return groups.map((events, i) => ({ body: FORMS[form](format.body(events)), location: { source: "input.json", line: i + 1 } }));
}

function decodeAll(format: Format, form: Form) {
  return messagesOf(format, form).map((m) => decodeAndNormalize(m.body, m.location));
}

// The baseline: the Event Hub message exactly as AKS writes it.
const baseline = decodeAll(FORMATS[0] as Format, "text").flatMap((d) => d.events);

describe("the baseline Event Hub message", () => {
  test("normalizes every field of the event", () => {
    expect(baseline).toHaveLength(2);
    const [config, list] = baseline as [AuditEvent, AuditEvent];
    expect(config).toMatchObject({
      cluster: { resourceId: CLUSTER_ID, name: "aks-prod-weu" },
      category: "kube-audit",
      auditId: "5b0cbd3c-9a8e-4f4e-a2a1-1f5a0c9e7d11",
      stage: "ResponseComplete",
      level: "RequestResponse",
      time: T,
      requestReceivedTime: T - 7,
      verb: "create",
      requestUri: "/api/v1/namespaces/prod/configmaps/app-settings",
      actorType: "user",
      sourceIps: ["20.50.100.7"],
      userAgent: "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
      objectRef: { resource: "configmaps", subresource: "", namespace: "prod", name: "app-settings", apiGroup: "", apiVersion: "v1" },
      responseCode: 201,
      decision: "allow",
      authorizationReason: 'RBAC: allowed by RoleBinding "dev-edit/prod" of ClusterRole "edit" to Group "3f1e2d4c-5b6a-4789-8abc-0123456789ab"',
      requestObject: configEvent.requestObject,
      responseObject: configEvent.responseObject,
    });
    expect(config.user.username).toBe("dev@contoso.com");
    expect(config.user.uid).toBe(USER.uid);
    expect(config.user.groups).toEqual(GROUPS);
    expect([...config.user.extra]).toEqual(Object.entries(USER.extra));
    expect(config.impersonatedUser).toBeUndefined();
    expect(list.objectRef).toEqual({ resource: "secrets", subresource: "", namespace: "", name: "", apiGroup: "", apiVersion: "v1" });
    expect(list.time).toBe(T + 60_000);
  });
});

describe.each(FORMATS)("$name", (format) => {
  test.each(Object.keys(FORMS) as Form[])("as %s: the same normalized events, in their records", (form) => {
    const decoded = decodeAll(format, form);
    for (const d of decoded) {
      expect(d.quarantined).toEqual([]);
      expect(d.skipped).toEqual([]);
      expect(d.rejected).toEqual([]);
    }
    const records = decoded.flatMap((d) => d.records);
    const events = decoded.flatMap((d) => d.events);
    expect(events).toHaveLength(baseline.length);
    records.forEach((record, i) => {
      expect(record.location.record).toBe(format.recordOf(SINGLE.has(format.name) ? 0 : i));
    });
    events.forEach((event, i) => {
      const expected = eventFields(baseline[i] as AuditEvent);
      const fields = eventFields(event);
      if (!format.bodies) {
        expect(fields.requestObject).toBeUndefined();
        expect(fields.responseObject).toBeUndefined();
        expect({ ...fields, requestObject: expected.requestObject, responseObject: expected.responseObject }).toEqual(expected);
      } else {
        expect(fields).toEqual(expected);
      }
      expect(event.category).toBe(format.category);
      expect(event.cluster).toEqual(format.cluster ? { resourceId: CLUSTER_ID, name: "aks-prod-weu" } : { resourceId: "", name: "" });
    });
  });

  test("through the pipeline: the same incident as the Event Hub message (raw events given the cluster as a default)", async () => {
    const run = async (f: Format) => {
      const pipeline = new Pipeline({ clock: () => FIXED_NOW, recordDefaults: { resourceId: DEFAULT_CLUSTER } });
      const result = await pipeline.processMessages(messagesOf(f, "text"));
      expect(result.quarantined).toEqual([]);
      expect(result.stats).toMatchObject({ records: 2, events: 2, quarantined: 0 });
      return result.incidents;
    };
    const expected: IncidentRow[] = await run(FORMATS[0] as Format);
    const enumeration = expected.filter((row) => row.DetectionId === "secret-enumeration");
    expect(enumeration).toHaveLength(1);
    expect(enumeration[0]).toMatchObject({
      DetectionId: "secret-enumeration",
      Severity: "High",
      Actor: "dev@contoso.com",
      ActorType: "user",
      ClusterResourceId: CLUSTER_ID,
      ClusterName: "aks-prod-weu",
      AuditIds: ["9d1f0a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"],
      FirstSeen: new Date(T + 60_000).toISOString(),
    });
    expect(await run(format)).toEqual(expected);
  });
});

describe("other categories, byte-order marks, and what is quarantined", () => {
  const location = { source: "hub.json", line: 7 };

  test("klog records of other categories are skipped and counted by category", async () => {
    const message = eventHubMessage([
      klogRecord(T, 'I1115 21:00:00.154217       1 trace.go:236] Trace[7816759]: "List" url:/api/v1/secrets'),
      aksRecord(configEvent),
      { ...klogRecord(T, "I1115 21:00:01.000000       1 clusterstate.go:300] Cluster is healthy"), category: "cluster-autoscaler" },
      klogRecord(T, "E1115 21:00:02.000000       1 status.go:71] apiserver received an error"),
      { ...klogRecord(T, "I1115 21:00:03.000000       1 leaderelection.go:250] attempting to acquire leader lease"), category: "kube-controller-manager" },
    ]);
    const result = await new Pipeline().processMessages([
      { body: message, location },
      { body: [azureDiagnosticsRow(undefined, { category: "kube-scheduler", log: "I1115 21:00:04.000000 1 schedule_one.go:252] bound" })], location },
    ]);
    expect(result.quarantined).toEqual([]);
    expect(result.stats).toMatchObject({ messages: 2, records: 6, events: 1, quarantined: 0 });
    expect({ ...result.stats.skipped }).toEqual({ "kube-apiserver": 2, "cluster-autoscaler": 1, "kube-controller-manager": 1, "kube-scheduler": 1 });
    expect(isBalanced(result.stats)).toBe(true);
  });

  test.each([
    ["a string", `\uFEFF${eventHubMessage([aksRecord(configEvent)])}`],
    ["bytes", new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(eventHubMessage([aksRecord(configEvent)]))])],
    ["properties.log", eventHubMessage([{ ...aksRecord(configEvent), properties: { log: `\uFEFF${JSON.stringify(configEvent)}\n` } }])],
  ])("a byte-order mark before %s is tolerated", (_, body) => {
    const decoded = decodeAndNormalize(body, location);
    expect(decoded.quarantined).toEqual([]);
    expect(decoded.rejected).toEqual([]);
    expect(decoded.events.map(eventFields)).toEqual([eventFields(baseline[0] as AuditEvent)]);
  });

  test("an object of unknown shape is quarantined naming file, line and record index", async () => {
    const body = JSON.stringify([configEvent, listEvent, configEvent, { hello: "world", items: [1, 2] }]);
    const result = await new Pipeline().processMessages([{ body, location: { source: "file.json", line: 12 } }]);
    expect(result.stats).toMatchObject({ records: 4, events: 3, quarantined: 1 });
    expect(result.quarantined).toEqual([
      {
        reason: expect.stringContaining("not an audit record"),
        location: "file.json:12 record 3",
        auditId: undefined,
        excerpt: '{"hello":"world","items":[1,2]}',
      },
    ]);
  });

  test("a records[] entry of unknown shape is quarantined with its partition, sequence number and record index", async () => {
    const body = eventHubMessage([aksRecord(configEvent), { hello: "world" }, aksRecord(listEvent)]);
    const result = await new Pipeline().processMessages([{ body, location: { source: "eventhub", partition: "3", sequenceNumber: 1234 } }]);
    expect(result.stats).toMatchObject({ records: 3, events: 2, quarantined: 1 });
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]?.location).toBe("partition 3 sequence 1234 record 1");
    expect(result.quarantined[0]?.reason).toMatch(/category/);
  });

  test("a truncated properties.log is quarantined: not valid JSON, with its place and auditID", async () => {
    const record = aksRecord(listEvent);
    const log = (record.properties as { log: string }).log;
    const truncated = { ...record, properties: { ...(record.properties as object), log: log.slice(0, 300) } };
    const body = eventHubMessage([aksRecord(configEvent), truncated]);
    const result = await new Pipeline().processMessages([{ body, location: { source: "eventhub", partition: "3", sequenceNumber: 1234 } }]);
    expect(result.stats).toMatchObject({ records: 2, events: 1, quarantined: 1 });
    const [entry] = result.quarantined;
    expect(entry?.reason).toMatch(/not valid JSON/);
    expect(entry?.reason).toMatch(/truncated/);
    expect(entry?.location).toBe("partition 3 sequence 1234 record 1");
    expect(entry?.auditId).toBe("9d1f0a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b");
    expect(log.startsWith(entry?.excerpt.replace("…", "") ?? "?")).toBe(true);
  });

  test("a message that is not JSON at all is quarantined as such, in one piece", async () => {
    const result = await new Pipeline().processMessages([
      { body: "I1115 21:00:00.154217 1 trace.go:236] not json", location: { source: "file.json", line: 3 } },
    ]);
    expect(result.stats).toMatchObject({ records: 1, events: 0, quarantined: 1 });
    expect(result.quarantined[0]?.reason).toMatch(/^message is not valid JSON/);
    expect(result.quarantined[0]?.location).toBe("file.json:3");
  });
});

describe("timestamps and clusters", () => {
  const at = (fields: Record<string, unknown>, envelopeTime?: string) =>
    normalizeAuditRecord({
      log: { kind: "Event", verb: "get", requestURI: "/version", ...fields },
      category: undefined,
      resourceId: "",
      envelopeTime,
      location: { source: "t" },
    });
  const timeOf = (fields: Record<string, unknown>, envelopeTime?: string) => {
    const result = at(fields, envelopeTime);
    return result.ok ? result.event.time : result.reason;
  };

  test.each([
    ["7 fractional digits", "2024-11-15T21:00:00.1545349Z", Date.UTC(2024, 10, 15, 21, 0, 0, 154)],
    ["9 fractional digits", "2024-11-15T21:00:00.154534959Z", Date.UTC(2024, 10, 15, 21, 0, 0, 154)],
    ["6 fractional digits", "2024-11-15T21:00:00.999999Z", Date.UTC(2024, 10, 15, 21, 0, 0, 999)],
    ["no fraction", "2020-05-08T22:44:17Z", Date.UTC(2020, 4, 8, 22, 44, 17)],
    ["no zone, space separated (read as UTC)", "2022-11-29 00:09:04.38", Date.UTC(2022, 10, 29, 0, 9, 4, 380)],
    ["no zone, T separated (read as UTC)", "2022-11-29T00:09:04.380", Date.UTC(2022, 10, 29, 0, 9, 4, 380)],
    ["an offset", "2024-11-15T22:00:00.5+01:00", Date.UTC(2024, 10, 15, 21, 0, 0, 500)],
  ])("%s: %s", (_, text, expected) => {
    expect(timeOf({ stageTimestamp: text })).toBe(expected);
    expect(timeOf({ requestReceivedTimestamp: text })).toBe(expected);
    expect(timeOf({}, text)).toBe(expected);
  });

  test("the stage timestamp wins over the request time, which wins over the envelope time", () => {
    const result = at({ stageTimestamp: "2024-11-15T21:00:02Z", requestReceivedTimestamp: "2024-11-15T21:00:01Z" }, "2024-11-15T21:00:03.000000000Z");
    expect(result.ok && [result.event.time, result.event.requestReceivedTime]).toEqual([Date.UTC(2024, 10, 15, 21, 0, 2), Date.UTC(2024, 10, 15, 21, 0, 1)]);
    expect(timeOf({ requestReceivedTimestamp: "2024-11-15T21:00:01Z" }, "2024-11-15T21:00:03Z")).toBe(Date.UTC(2024, 10, 15, 21, 0, 1));
    expect(timeOf({ stageTimestamp: "garbage" }, "2024-11-15T21:00:03.154534959Z")).toBe(Date.UTC(2024, 10, 15, 21, 0, 3, 154));
    expect(timeOf({})).toMatch(/no valid timestamp/);
  });

  test("an event without timestamps takes the 9-digit envelope time of its Event Hub record", () => {
    const { stageTimestamp: _s, requestReceivedTimestamp: _r, ...bare } = configEvent;
    const record = { ...aksRecord(configEvent), properties: { log: `${JSON.stringify(bare)}\n` }, time: "2024-11-15T21:00:00.154534959Z" };
    const decoded = decodeAndNormalize(eventHubMessage([record]), { source: "t" });
    expect(decoded.events.map((e) => [e.time, e.requestReceivedTime])).toEqual([[T, T]]);
  });

  test("a Log Analytics row with only TimeGenerated, written without a zone, is read as UTC", () => {
    const { StageReceivedTime: _s, RequestReceivedTime: _r, ...row } = logAnalyticsRow(configEvent);
    const decoded = decodeAndNormalize({ ...row, TimeGenerated: "2022-11-29 00:09:04.38" }, { source: "t" });
    expect(decoded.events.map((e) => e.time)).toEqual([Date.UTC(2022, 10, 29, 0, 9, 4, 380)]);
  });

  // Same input ⇒ same incidents on any machine: a timestamp must not be read in the machine's time zone.
  test.each(["2022-11-29 00:09:04.38", "2022-11-29T00:09:04", "2022-11-29 00:09", "2022/11/29 00:09:04", "11/29/2022, 12:09:04.380 AM"])(
    "%s is read the same in every time zone (UTC, or not at all)",
    (text) => {
      const saved = process.env.TZ;
      const readIn = (zone: string) => {
        process.env.TZ = zone;
        return parseEventTime(text);
      };
      try {
        const utc = readIn("UTC");
        expect([readIn("Pacific/Auckland"), readIn("America/Los_Angeles")]).toEqual([utc, utc]);
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    },
  );

  test.each([
    ["an Event Hub record", eventHubMessage([aksRecord(configEvent, { resourceId: DEFAULT_CLUSTER })])],
    ["an AzureDiagnostics row", azureDiagnosticsRow(configEvent, { resourceId: DEFAULT_CLUSTER })],
    ["a Log Analytics row", logAnalyticsRow(configEvent, { resourceId: DEFAULT_CLUSTER })],
  ])("the cluster of %s is lower-cased and named", (_, body) => {
    const decoded = decodeAndNormalize(body, { source: "t" });
    expect(decoded.events.map((e) => e.cluster)).toEqual([
      {
        resourceId:
          "/subscriptions/0b62a232-b8db-4380-9da6-640f7272ed6d/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-prod-weu",
        name: "aks-prod-weu",
      },
    ]);
  });

  test("raw events take the cluster from the record defaults, and incidents name it", async () => {
    const other =
      "/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-DEV/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/Dev-Cluster-01";
    const decoded = decodeAndNormalize(listEvent, { source: "audit.log", line: 1 }, { resourceId: other });
    expect(decoded.events[0]?.cluster).toEqual({ resourceId: other.toLowerCase(), name: "dev-cluster-01" });
    const pipeline = new Pipeline({ clock: () => FIXED_NOW, recordDefaults: { resourceId: other } });
    const result = await pipeline.processMessages([{ body: JSON.stringify(listEvent), location: { source: "audit.log", line: 1 } }]);
    expect(result.incidents.map((r) => [r.ClusterResourceId, r.ClusterName])).toEqual([[other.toLowerCase(), "dev-cluster-01"]]);
  });
});

describe("object names", () => {
  const nameOf = (fields: Record<string, unknown>) => {
    const result = normalizeAuditRecord({
      log: { kind: "Event", stageTimestamp: "2024-11-15T21:00:00Z", requestURI: "/api/v1/namespaces/prod/pods", ...fields },
      category: undefined,
      resourceId: "",
      envelopeTime: undefined,
      location: { source: "t" },
    });
    return result.ok ? result.event.objectRef?.name : result.reason;
  };
  const created = { metadata: { name: "web-7d4b9-x2x8q", generateName: "web-7d4b9-" } };

  test("a create with generateName is named by its response: the object that exists, not pods/prod/", () => {
    expect(nameOf({ verb: "create", objectRef: { resource: "pods", namespace: "prod" }, responseObject: created })).toBe("web-7d4b9-x2x8q");
    // A Secret's name is not its data: read before the body is dropped.
    expect(nameOf({ verb: "create", objectRef: { resource: "secrets", namespace: "prod" }, responseObject: created })).toBe("web-7d4b9-x2x8q");
  });

  test("the reference's own name wins; other verbs, subresources and responses without a name keep what the reference says", () => {
    expect(nameOf({ verb: "create", objectRef: { resource: "pods", namespace: "prod", name: "db" }, responseObject: created })).toBe("db");
    expect(nameOf({ verb: "update", objectRef: { resource: "pods", namespace: "prod" }, responseObject: created })).toBe("");
    expect(nameOf({ verb: "create", objectRef: { resource: "pods", namespace: "prod", subresource: "eviction" }, responseObject: created })).toBe("");
    expect(nameOf({ verb: "create", objectRef: { resource: "pods", namespace: "prod" }, responseObject: { kind: "Status", code: 403 } })).toBe("");
    expect(nameOf({ verb: "create", objectRef: { resource: "pods", namespace: "prod" } })).toBe("");
  });
});

describe("files through readMessages", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetrail-decode-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const read = async (path: string) => {
    const messages: InputMessage[] = [];
    for await (const message of readMessages({ path, size: statSync(path).size })) messages.push(message);
    return messages;
  };
  const run = async (path: string) => {
    const messages = await read(path);
    const result = await new Pipeline({ clock: () => FIXED_NOW }).processMessages(messages);
    expect(isBalanced(result.stats)).toBe(true);
    return { messages, lines: messages.map((m) => m.location.line), ...result };
  };

  const hubLine = eventHubMessage([aksRecord(configEvent), aksRecord(listEvent)]);
  const archiveLine = JSON.stringify(aksRecord(configEvent));
  const rawLine = JSON.stringify(listEvent);
  const truncatedLine = hubLine.slice(0, 400);
  const jsonl = ["", hubLine, "", "   ", archiveLine, rawLine, "not json at all", ""].join("\n");

  test("JSON lines: blank lines skipped, every line at its own number, a bad line quarantined at its number", async () => {
    const path = write("lines.jsonl", jsonl);
    const { lines, stats, quarantined } = await run(path);
    expect(lines).toEqual([2, 5, 6, 7]);
    expect(stats).toMatchObject({ messages: 4, records: 5, events: 4, quarantined: 1 });
    expect(quarantined.map((q) => [q.location, q.reason.slice(0, 25)])).toEqual([[`${path}:7`, "message is not valid JSON"]]);
  });

  test("JSON lines with CRLF line ends and a byte-order mark", async () => {
    const path = write("crlf.json", `\uFEFF${[hubLine, rawLine, archiveLine].join("\r\n")}\r\n`);
    const { lines, stats } = await run(path);
    expect(lines).toEqual([1, 2, 3]);
    expect(stats).toMatchObject({ records: 4, events: 4, quarantined: 0 });
  });

  test("record indexes inside a line are reported with the line", async () => {
    const path = write("indexed.jsonl", [hubLine, eventHubMessage([aksRecord(configEvent), { surprise: true }])].join("\n"));
    const { quarantined, stats } = await run(path);
    expect(stats).toMatchObject({ records: 4, events: 3, quarantined: 1 });
    expect(quarantined.map((q) => q.location)).toEqual([`${path}:2 record 1`]);
  });

  test.each([
    ["an Event Hub message", { records: [aksRecord(configEvent), aksRecord(listEvent), aksRecord(configEvent, { category: "kube-audit-admin" })] }, 3],
    ["an EventList", eventList([configEvent, listEvent]), 2],
    ["a Log Analytics export", [logAnalyticsRow(configEvent), logAnalyticsRow(listEvent, { dynamicAsText: true })], 2],
  ])("a pretty-printed single document: %s", async (_, document, events) => {
    const path = write("pretty.json", `\n${JSON.stringify(document, null, 2)}\n`);
    const { lines, stats, quarantined } = await run(path);
    expect(lines).toEqual([2]);
    expect(quarantined).toEqual([]);
    expect(stats).toMatchObject({ messages: 1, records: events, events, quarantined: 0 });
  });

  test("a .gz file of JSON lines reads like the plain file", async () => {
    const plain = await run(write("plain.jsonl", jsonl));
    const gz = await run(write("archive.jsonl.gz", gzipSync(jsonl)));
    expect(gz.lines).toEqual(plain.lines);
    expect(gz.stats).toEqual(plain.stats);
    expect(gz.incidents.map(({ TimeGenerated: _, ...row }) => row)).toEqual(plain.incidents.map(({ TimeGenerated: _, ...row }) => row));
  });

  test("a .gz pretty-printed document", async () => {
    const path = write("pretty.json.gz", gzipSync(JSON.stringify(eventList([configEvent, listEvent]), null, 2)));
    const { stats, lines } = await run(path);
    expect(lines).toEqual([1]);
    expect(stats).toMatchObject({ records: 2, events: 2, quarantined: 0 });
  });

  test("a JSON-lines file whose first line is truncated falls back to lines: only that line is quarantined", async () => {
    const path = write("first-truncated.jsonl", ["", truncatedLine, hubLine, "", archiveLine, rawLine].join("\n"));
    const { lines, stats, quarantined, incidents } = await run(path);
    expect(lines).toEqual([2, 3, 5, 6]);
    expect(stats).toMatchObject({ messages: 4, records: 5, events: 4, quarantined: 1 });
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.location).toBe(`${path}:2`);
    expect(quarantined[0]?.reason).toMatch(/not valid JSON/);
    // The list in the Event Hub message (its cluster) and the raw one (no cluster): two incidents.
    expect(incidents.map((r) => [r.DetectionId, r.ClusterName])).toEqual(
      expect.arrayContaining([
        ["secret-enumeration", "aks-prod-weu"],
        ["secret-enumeration", ""],
      ]),
    );
    expect(incidents.filter((r) => r.DetectionId === "secret-enumeration")).toHaveLength(2);
  });

  test("a file holding only a truncated line quarantines that line", async () => {
    const path = write("only-truncated.json", `${truncatedLine}\n`);
    const { lines, stats, quarantined } = await run(path);
    expect(lines).toEqual([1]);
    expect(stats).toMatchObject({ records: 1, events: 0, quarantined: 1 });
    expect(quarantined[0]?.location).toBe(`${path}:1`);
  });

  test("an empty or blank file yields nothing", async () => {
    expect(await read(write("empty.jsonl", ""))).toEqual([]);
    expect(await read(write("blank.jsonl", "\n  \n\n"))).toEqual([]);
  });
});
