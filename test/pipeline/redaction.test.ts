/**
 * No secret value leaves the process. Secrets created, updated, patched, read and listed at
 * RequestResponse level, a TokenReview, a TokenRequest and a custom resource list embedding a Secret
 * are run through the pipeline whole and truncated (so that they are quarantined), in every envelope;
 * the JSON text of every incident row and every quarantine entry must hold none of the planted values,
 * and the normalized events must not carry them either.
 */
import { describe, expect, test } from "vitest";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import type { QuarantineEntry } from "../../pipeline/decode/quarantine.js";
import type { InputMessage } from "../../pipeline/pipeline.js";
import { aksRecord, auditEvent, type EventSpec, eventHubMessage } from "../../scripts/synthetic/auditRecords.js";
import { newPipeline } from "../support/harness.js";
import { azureDiagnosticsRow, decodeAndNormalize, isBalanced, jsonText, logAnalyticsRow } from "./inputs/envelopes.js";

const T = Date.UTC(2024, 10, 15, 21, 0, 0, 0);
const base64 = (text: string) => Buffer.from(text).toString("base64");
const base64url = (text: string) => Buffer.from(text).toString("base64url");

// Planted values: every one starts with S3CR3T, or is the base64 of something that does ("UzNDUjNU…").
const STRING_DATA = "S3CR3T-VALUE-stringData-7f3a91d2";
const DATA = "S3CR3T-VALUE-data-c0ffee42b00b";
const DATA_B64 = base64(DATA);
const APPLIED = "S3CR3T-VALUE-last-applied-5e5e1c";
const APPLIED_B64 = base64(APPLIED);
const REVIEWED_TOKEN = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.${base64url("S3CR3T-TOKEN-reviewed-payload")}.S3CR3T-SIG-reviewed-0a1b2c3d`;
const ISSUED_TOKEN = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImsyIn0.${base64url("S3CR3T-TOKEN-issued-payload")}.S3CR3T-SIG-issued-9z8y7x6w`;
const PLANTED = [STRING_DATA, DATA_B64, APPLIED, APPLIED_B64, REVIEWED_TOKEN, ISSUED_TOKEN];
/** What must not appear anywhere: the planted values, what they decode to, and the starts every one of them shares. */
const NEEDLES = [...PLANTED, DATA, "S3CR3T", base64("S3CR3T"), base64url("S3CR3T-TOKEN").slice(0, 12)];

function expectNoSecret(text: string, what: string): void {
  for (const needle of NEEDLES) {
    if (text.includes(needle)) expect.fail(`${what} holds planted secret material ${JSON.stringify(needle)}: ${text.slice(0, 600)}`);
  }
}

function secretObject(name: string, namespace = "prod"): Record<string, unknown> {
  const applied = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    stringData: { password: APPLIED },
    data: { apiKey: APPLIED_B64 },
    type: "Opaque",
  };
  return {
    kind: "Secret",
    apiVersion: "v1",
    metadata: {
      name,
      namespace,
      uid: "7b1f4c2e-8d3a-4e5b-9c6d-0a1b2c3d4e5f",
      resourceVersion: "90210",
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify(applied)}\n` },
    },
    data: { password: DATA_B64, "tls.key": DATA_B64 },
    stringData: { password: STRING_DATA },
    type: "Opaque",
  };
}

const ACTOR = "mallory@contoso.com";
const rr = (spec: Omit<EventSpec, "time" | "username" | "level"> & { time?: number; username?: string }): Record<string, unknown> =>
  auditEvent({ time: T, username: ACTOR, level: "RequestResponse", ...spec });

/** Records whose bodies carry secret values, each with the name the tests report. */
const SENSITIVE: readonly (readonly [string, Record<string, unknown>])[] = [
  [
    "Secret create",
    rr({
      auditID: "s-create",
      verb: "create",
      resource: "secrets",
      namespace: "prod",
      name: "db-credentials",
      requestObject: secretObject("db-credentials"),
      responseObject: secretObject("db-credentials"),
    }),
  ],
  [
    "Secret update",
    rr({
      auditID: "s-update",
      verb: "update",
      resource: "secrets",
      namespace: "prod",
      name: "db-credentials",
      requestObject: secretObject("db-credentials"),
      responseObject: secretObject("db-credentials"),
    }),
  ],
  [
    "Secret patch (a body without kind)",
    rr({
      auditID: "s-patch",
      verb: "patch",
      resource: "secrets",
      namespace: "prod",
      name: "db-credentials",
      requestObject: {
        metadata: { annotations: (secretObject("x").metadata as Record<string, unknown>).annotations },
        data: { password: DATA_B64 },
        stringData: { password: STRING_DATA },
      },
      responseObject: secretObject("db-credentials"),
    }),
  ],
  [
    "Secret get",
    rr({ auditID: "s-get", verb: "get", resource: "secrets", namespace: "prod", name: "db-credentials", responseObject: secretObject("db-credentials") }),
  ],
  [
    "TokenReview",
    rr({
      auditID: "s-tokenreview",
      verb: "create",
      username: "system:serviceaccount:kube-system:metrics-server",
      groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      resource: "tokenreviews",
      apiGroup: "authentication.k8s.io",
      requestObject: {
        kind: "TokenReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: {},
        spec: { token: REVIEWED_TOKEN, audiences: ["https://kubernetes.default.svc"] },
      },
      responseObject: {
        kind: "TokenReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: {},
        spec: { token: REVIEWED_TOKEN },
        status: { authenticated: true, user: { username: "system:serviceaccount:prod:deployer" } },
      },
    }),
  ],
  [
    "anonymous TokenReview (allowed: an anonymous-access incident)",
    rr({
      auditID: "s-anon-tokenreview",
      verb: "create",
      username: "system:anonymous",
      groups: ["system:unauthenticated"],
      resource: "tokenreviews",
      apiGroup: "authentication.k8s.io",
      sourceIP: "203.0.113.50",
      requestObject: { kind: "TokenReview", apiVersion: "authentication.k8s.io/v1", spec: { token: REVIEWED_TOKEN } },
      responseObject: { kind: "TokenReview", apiVersion: "authentication.k8s.io/v1", spec: { token: REVIEWED_TOKEN }, status: { authenticated: true } },
    }),
  ],
  [
    "serviceaccounts/token TokenRequest",
    rr({
      auditID: "s-tokenrequest",
      verb: "create",
      resource: "serviceaccounts",
      subresource: "token",
      namespace: "prod",
      name: "deployer",
      requestObject: { kind: "TokenRequest", apiVersion: "authentication.k8s.io/v1", metadata: {}, spec: { audiences: ["api"], expirationSeconds: 3600 } },
      responseObject: {
        kind: "TokenRequest",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { name: "deployer", namespace: "prod" },
        spec: { audiences: ["api"], expirationSeconds: 3600 },
        status: { token: ISSUED_TOKEN, expirationTimestamp: "2024-11-15T22:00:00Z" },
      },
    }),
  ],
  [
    "list of secrets in a namespace (SecretList)",
    rr({
      auditID: "s-list-ns",
      verb: "list",
      resource: "secrets",
      namespace: "prod",
      responseObject: { kind: "SecretList", apiVersion: "v1", metadata: { resourceVersion: "90211" }, items: [secretObject("a"), secretObject("b")] },
    }),
  ],
  [
    "list of secrets in all namespaces (SecretList: a secret-enumeration incident)",
    rr({
      auditID: "s-list-all",
      verb: "list",
      resource: "secrets",
      responseObject: { kind: "SecretList", apiVersion: "v1", metadata: {}, items: [secretObject("a"), secretObject("c", "kube-system")] },
    }),
  ],
];

/** A list request logged without objectRef, and a custom resource list whose items embed a Secret manifest. */
const listWithoutObjectRef = (() => {
  const event = rr({
    auditID: "s-list-noref",
    verb: "list",
    requestURI: "/api/v1/namespaces/prod/secrets",
    responseObject: { kind: "SecretList", apiVersion: "v1", metadata: {}, items: [secretObject("a")] },
  });
  delete event.objectRef;
  return event;
})();
const embeddingList = rr({
  auditID: "s-bundles",
  verb: "list",
  resource: "bundles",
  apiGroup: "fleet.example.com",
  namespace: "prod",
  responseObject: {
    kind: "BundleList",
    apiVersion: "fleet.example.com/v1",
    metadata: {},
    items: [
      { kind: "Bundle", apiVersion: "fleet.example.com/v1", metadata: { name: "app", namespace: "prod" }, spec: { resources: [secretObject("embedded")] } },
    ],
  },
});
const EMBEDDED: readonly (readonly [string, Record<string, unknown>])[] = [
  ["list of secrets logged without objectRef (SecretList)", listWithoutObjectRef],
  [
    "generic List holding a Secret",
    { ...listWithoutObjectRef, auditID: "s-generic-list", responseObject: { kind: "List", apiVersion: "v1", items: [secretObject("embedded")] } },
  ],
  ["custom resource list whose items embed a Secret manifest", embeddingList],
];

/** Ten distinct secrets read by one actor, each response carrying the secret: a secret-enumeration incident. */
const READS = Array.from({ length: 10 }, (_, i) =>
  rr({
    auditID: `s-read-${i}`,
    time: T + i * 1000,
    verb: "get",
    resource: "secrets",
    namespace: `team-${i % 5}`,
    name: `app-${i}`,
    responseObject: secretObject(`app-${i}`, `team-${i % 5}`),
  }),
);

const ALL_SENSITIVE = [...SENSITIVE.map(([, e]) => e), ...EMBEDDED.map(([, e]) => e), ...READS];
/** Records whose every prefix is tried (two of the ten near-identical reads are enough). */
const PREFIXED = [...SENSITIVE.map(([, e]) => e), ...EMBEDDED.map(([, e]) => e), ...READS.slice(0, 2)];
const CUTS = [40, 200, 600, 1200, 2400];

/** Whole-event envelopes: text and parsed Event Hub messages, raw lines, Log Analytics rows, AzureDiagnostics rows. */
const ENVELOPES: readonly (readonly [string, (event: Record<string, unknown>) => unknown])[] = [
  ["Event Hub message", (e) => eventHubMessage([aksRecord(e)])],
  ["Event Hub message, parsed log", (e) => ({ records: [{ ...aksRecord(e), properties: { log: e } }] })],
  ["raw Event line", (e) => JSON.stringify(e)],
  ["Log Analytics row", (e) => [logAnalyticsRow(e)]],
  ["Log Analytics row, dynamic as text", (e) => JSON.stringify([logAnalyticsRow(e, { dynamicAsText: true })])],
  ["AzureDiagnostics row", (e) => [azureDiagnosticsRow(e)]],
];

function expectCleanOutput(rows: readonly IncidentRow[], quarantined: readonly QuarantineEntry[]): void {
  for (const row of rows) expectNoSecret(JSON.stringify(row), `incident row ${row.DetectionId}`);
  for (const entry of quarantined) expectNoSecret(JSON.stringify(entry), `quarantine entry at ${entry.location}`);
}

describe("the planted values are where an attacker would find them", () => {
  test("every planted value is in the input, so that their absence from the output means something", () => {
    const input = ALL_SENSITIVE.map((e) => JSON.stringify(e)).join("\n");
    expect(PLANTED.filter((value) => !input.includes(value))).toEqual([]);
    expect(JSON.stringify(ALL_SENSITIVE.map((e) => aksRecord(e)))).toContain(JSON.stringify(STRING_DATA).slice(1, -1));
  });
});

describe("normalized events carry no secret", () => {
  describe.each(ENVELOPES)("%s", (_, envelope) => {
    test.each(SENSITIVE)("%s: no requestObject, no responseObject", (_name, event) => {
      const decoded = decodeAndNormalize(envelope(event), { source: "redaction.jsonl", line: 1 });
      expect(decoded.quarantined).toEqual([]);
      expect(decoded.events).toHaveLength(1);
      const normalized = decoded.events[0];
      expect(normalized?.requestObject).toBeUndefined();
      expect(normalized?.responseObject).toBeUndefined();
      expectNoSecret(jsonText(normalized), "normalized event");
    });
  });

  test.each(EMBEDDED)("%s: nothing of the Secret in the normalized event, in any envelope", (_name, event) => {
    const leaking: string[] = [];
    for (const [name, envelope] of ENVELOPES) {
      const decoded = decodeAndNormalize(envelope(event), { source: "redaction.jsonl", line: 1 });
      expect(decoded.events).toHaveLength(1);
      const text = jsonText(decoded.events[0]);
      if (NEEDLES.some((needle) => text.includes(needle))) leaking.push(name);
    }
    expect(leaking).toEqual([]);
  });
});

describe("incident rows and quarantine entries carry no secret", () => {
  test("whole records in every envelope: incidents are raised, and none of their rows holds a planted value", async () => {
    const messages: InputMessage[] = [];
    for (const [, envelope] of ENVELOPES)
      for (const event of ALL_SENSITIVE) messages.push({ body: envelope(event), location: { source: "redaction.jsonl", line: messages.length + 1 } });
    const result = await newPipeline().processMessages(messages);
    expect(isBalanced(result.stats)).toBe(true);
    expect(result.quarantined).toEqual([]);
    expect(result.stats.events).toBe(messages.length);
    const detections = new Set(result.incidents.map((r) => r.DetectionId));
    expect([...detections]).toEqual(expect.arrayContaining(["secret-enumeration", "anonymous-access"]));
    const enumeration = result.incidents.filter((r) => r.DetectionId === "secret-enumeration" && r.Actor === ACTOR);
    expect(enumeration.length).toBeGreaterThan(0);
    expect(enumeration.some((r) => (r.Evidence.distinctSecrets as number) >= 10)).toBe(true);
    expect(enumeration.some((r) => (r.Evidence.clusterWideReads as number) >= 1)).toBe(true);
    expectCleanOutput(result.incidents, result.quarantined);
  });

  test("every prefix of each record's properties.log is quarantined, and no entry holds a planted value", async () => {
    const pipeline = newPipeline();
    let expected = 0;
    for (const event of PREFIXED) {
      const log = JSON.stringify(event);
      const records = Array.from({ length: log.length - 1 }, (_, n) => ({ ...aksRecord(event), properties: { log: log.slice(0, n + 1) } }));
      expected += records.length;
      // A parsed body: the message text would be quadratic in the event's length.
      const result = await pipeline.processMessages([{ body: { records }, location: { source: "eventhub", partition: "0", sequenceNumber: 1 } }]);
      expect(result.stats).toMatchObject({ records: records.length, events: 0, quarantined: records.length });
      for (const entry of result.quarantined) expect(entry.reason).toMatch(/^audit event is not valid JSON/);
      expectCleanOutput(result.incidents, result.quarantined);
    }
    expect(expected).toBeGreaterThan(20_000);
  });

  test("every prefix of whole messages and rows (Event Hub, raw line, Log Analytics, AzureDiagnostics) is quarantined cleanly", async () => {
    const pipeline = newPipeline();
    // A Secret (data, stringData, last-applied-configuration), a TokenReview, a TokenRequest, a SecretList.
    const samples = [SENSITIVE[0], SENSITIVE[4], SENSITIVE[6], SENSITIVE[7]].map((entry) => (entry as (typeof SENSITIVE)[number])[1]);
    for (const event of samples) {
      for (const [name, envelope] of ENVELOPES) {
        const whole = envelope(event);
        const text = typeof whole === "string" ? whole : JSON.stringify(whole);
        const messages: InputMessage[] = Array.from({ length: text.length - 1 }, (_, n) => ({
          body: text.slice(0, n + 1),
          location: { source: `${name}.json`, line: n + 1 },
        }));
        const result = await pipeline.processMessages(messages);
        expect(isBalanced(result.stats)).toBe(true);
        expect(result.stats.events).toBe(0);
        expect(result.quarantined.length).toBe(messages.length);
        expectCleanOutput(result.incidents, result.quarantined);
      }
    }
  });

  test("a truncated AzureDiagnostics log_s and a truncated Log Analytics dynamic column are quarantined or used without their secret", async () => {
    const pipeline = newPipeline();
    const messages: InputMessage[] = [];
    for (const event of ALL_SENSITIVE) {
      const log = JSON.stringify(event);
      for (const cut of CUTS.filter((c) => c < log.length - 1).concat(log.length - 40, log.length - 2)) {
        messages.push({ body: [azureDiagnosticsRow(event, { log: log.slice(0, cut) })], location: { source: "azdiag.json", line: messages.length + 1 } });
        const row = logAnalyticsRow(event, { dynamicAsText: true });
        for (const column of ["RequestObject", "ResponseObject"]) {
          if (typeof row[column] === "string") row[column] = (row[column] as string).slice(0, cut);
        }
        messages.push({ body: [row], location: { source: "la.json", line: messages.length + 1 } });
      }
    }
    const result = await pipeline.processMessages(messages);
    expect(isBalanced(result.stats)).toBe(true);
    // Every cut log_s is quarantined; a cut Log Analytics column may only drop the body it held.
    expect(result.stats.quarantined).toBeGreaterThanOrEqual(messages.length / 2);
    expectCleanOutput(result.incidents, result.quarantined);
  });

  test("valid JSON that is not a usable event (no verb, a bare Secret or TokenRequest manifest) is quarantined without its secret", async () => {
    const noVerb = ALL_SENSITIVE.map((event) => {
      const { verb: _, ...rest } = event;
      return rest;
    });
    const bodyFirst = ALL_SENSITIVE.map((event) => {
      const { responseObject, requestObject, ...rest } = event;
      return { responseObject, requestObject, ...rest, verb: 42 };
    });
    const bare = [
      secretObject("loose"),
      (SENSITIVE[6] as (typeof SENSITIVE)[number])[1].responseObject,
      (SENSITIVE[4] as (typeof SENSITIVE)[number])[1].requestObject,
    ];
    const bodies = [...noVerb, ...bodyFirst, ...bare].flatMap((value) => [
      value,
      JSON.stringify(value),
      eventHubMessage([{ ...aksRecord(ALL_SENSITIVE[0] as Record<string, unknown>), properties: { log: value } }]),
    ]);
    const result = await newPipeline().processMessages(bodies.map((body, i) => ({ body, location: { source: "odd.jsonl", line: i + 1 } })));
    expect(isBalanced(result.stats)).toBe(true);
    expect(result.stats.events).toBe(0);
    expect(result.quarantined).toHaveLength(bodies.length);
    expectCleanOutput(result.incidents, result.quarantined);
  });
});
