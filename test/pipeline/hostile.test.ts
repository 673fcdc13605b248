/**
 * Hostile input: whatever arrives, processMessages returns (never throws), every record read is used,
 * skipped or quarantined, and what comes out stays bounded and well-formed. Random bodies, random
 * `properties.log` strings, every prefix of a valid event, random mutations of valid records, and named
 * cases: huge fields, prototype keys, control characters, deep nesting, absurd timestamps.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { IncidentRowSchema } from "../../pipeline/incidents/incidentRow.js";
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import type { BatchResult, InputMessage } from "../../pipeline/pipeline.js";
import { aksRecord, auditEvent, type EventSpec, eventHubMessage, klogRecord } from "../../scripts/synthetic/auditRecords.js";
import { newPipeline, runEvents } from "../support/harness.js";
import { azureDiagnosticsRow, decodeAndNormalize, eventList, isBalanced, logAnalyticsRow } from "./inputs/envelopes.js";

const T = Date.UTC(2024, 10, 15, 21, 0, 0, 0);
const SOURCE = "hostile.jsonl";
const MAX_FIELD = 4096;

/** Runs messages through a fresh pipeline and checks what must hold for any input. */
async function run(bodies: readonly unknown[]): Promise<BatchResult> {
  const messages: InputMessage[] = bodies.map((body, i) => ({ body, location: { source: SOURCE, line: i + 1 } }));
  const result = await newPipeline().processMessages(messages);
  expect(isBalanced(result.stats)).toBe(true);
  expect(result.stats.messages).toBe(bodies.length);
  expect(result.stats.quarantined).toBe(result.quarantined.length);
  for (const entry of result.quarantined) {
    expect(entry.reason).not.toBe("");
    expect(entry.reason.length).toBeLessThan(1000);
    expect(entry.location.startsWith(`${SOURCE}:`)).toBe(true);
    expect(entry.excerpt.length).toBeLessThanOrEqual(1024 + "…[redacted]".length);
  }
  return result;
}

/** The normalized event keeps the types it declares, whatever the record held. */
function expectWellTyped(event: AuditEvent): void {
  const strings = [event.auditId, event.stage, event.level, event.verb, event.requestUri, event.userAgent, event.authorizationReason, event.user.username];
  for (const s of strings) {
    expect(typeof s).toBe("string");
    expect(s.length).toBeLessThanOrEqual(MAX_FIELD);
  }
  expect(event.verb).not.toBe("");
  expect(Number.isFinite(event.time)).toBe(true);
  expect(Number.isFinite(event.requestReceivedTime)).toBe(true);
  for (const list of [event.user.groups, event.sourceIps, ...event.user.extra.values()]) {
    expect(Array.isArray(list)).toBe(true);
    for (const item of list) expect(typeof item).toBe("string");
  }
  if (event.objectRef) for (const value of Object.values(event.objectRef)) expect(typeof value).toBe("string");
  if (event.responseCode !== undefined) expect(Number.isFinite(event.responseCode)).toBe(true);
  expect([undefined, "allow", "forbid"]).toContain(event.decision);
  expect(["user", "serviceaccount", "anonymous", "node", "system", "aks-managed"]).toContain(event.actorType);
}

// Bases that each raise an incident on their own, so mutations reach the detections and the incident rows.
const BASES: readonly Record<string, unknown>[] = [
  auditEvent({ auditID: "base-list", time: T, verb: "list", username: "dev@contoso.com", resource: "secrets" }),
  auditEvent({
    auditID: "base-exec",
    time: T,
    verb: "get",
    username: "masterclient",
    groups: ["system:masters", "system:authenticated"],
    resource: "pods",
    subresource: "exec",
    namespace: "prod",
    name: "web-0",
    code: 101,
    stage: "ResponseStarted",
    requestURI: "/api/v1/namespaces/prod/pods/web-0/exec?command=sh&container=web&stdin=true&stdout=true&tty=true",
  }),
  auditEvent({
    auditID: "base-anon",
    time: T,
    verb: "get",
    username: "system:anonymous",
    groups: ["system:unauthenticated"],
    resource: "pods",
    namespace: "prod",
  }),
  auditEvent({
    auditID: "base-rbac",
    time: T,
    verb: "create",
    username: "dev@contoso.com",
    resource: "clusterrolebindings",
    apiGroup: "rbac.authorization.k8s.io",
    name: "backdoor",
    level: "RequestResponse",
    requestObject: {
      kind: "ClusterRoleBinding",
      apiVersion: "rbac.authorization.k8s.io/v1",
      metadata: { name: "backdoor" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "User", name: "mallory@contoso.com" }],
    },
  }),
];

/** Ways to deliver one (possibly broken) event. */
const ENVELOPES: readonly ((event: Record<string, unknown>) => unknown)[] = [
  (event) => eventHubMessage([aksRecord(event)]),
  (event) => ({ records: [{ ...aksRecord(event), properties: { log: event } }] }),
  (event) => JSON.stringify(event),
  (event) => event,
  (event) => eventList([event]),
  (event) => [logAnalyticsRow(event)],
  (event) => JSON.stringify([logAnalyticsRow(event, { dynamicAsText: true })]),
  (event) => [azureDiagnosticsRow(event)],
];

const PATHS: readonly (readonly string[])[] = [
  ["kind"],
  ["auditID"],
  ["stage"],
  ["level"],
  ["verb"],
  ["requestURI"],
  ["userAgent"],
  ["user"],
  ["user", "username"],
  ["user", "groups"],
  ["user", "extra"],
  ["user", "uid"],
  ["impersonatedUser"],
  ["sourceIPs"],
  ["objectRef"],
  ["objectRef", "resource"],
  ["objectRef", "subresource"],
  ["objectRef", "namespace"],
  ["objectRef", "name"],
  ["responseStatus"],
  ["responseStatus", "code"],
  ["annotations"],
  ["annotations", "authorization.k8s.io/decision"],
  ["annotations", "authorization.k8s.io/reason"],
  ["requestObject"],
  ["requestObject", "roleRef"],
  ["requestObject", "subjects"],
  ["responseObject"],
  ["stageTimestamp"],
  ["requestReceivedTimestamp"],
  ["timestamp"],
];

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      0,
      -1,
      1e308,
      "",
      "NaN",
      [],
      {},
      [[[]]],
      [null],
      [{}],
      ["a", 1, null, { b: [] }],
      { 0: "x", length: 1 },
      "system:anonymous",
      ["system:unauthenticated"],
      "2024-13-45T99:99:99Z",
      "2024-11-15T21:00:00.123456789Z",
      "2022-11-29 00:09:04.38",
      "0001-01-01T00:00:00Z",
      "1",
      "+275760-09-13T00:00:00.000Z",
      "+010000-01-01T00:00:00Z",
      "-000001-01-01T00:00:00Z",
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

const mutation = fc.record({ path: fc.constantFrom(...PATHS), value: hostileValue, remove: fc.boolean() });

function mutate(base: Record<string, unknown>, mutations: readonly { path: readonly string[]; value: unknown; remove: boolean }[]): Record<string, unknown> {
  const event = structuredClone(base);
  for (const { path, value, remove } of mutations) {
    let target: Record<string, unknown> = event;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== "object") target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    const last = path[path.length - 1] as string;
    if (remove) delete target[last];
    else target[last] = structuredClone(value);
  }
  return event;
}

const mutatedDelivery = fc.record({
  base: fc.constantFrom(...BASES),
  envelope: fc.constantFrom(...ENVELOPES),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }),
});

/** Any instant JavaScript can represent, as the API server would print it (years beyond 0000–9999 included). */
const timestampMutation = fc.record({
  path: fc.constantFrom<readonly string[]>(["stageTimestamp"], ["requestReceivedTimestamp"]),
  value: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  remove: fc.constant(false),
});

const retimedDelivery = fc.record({
  base: fc.constantFrom(...BASES),
  envelope: fc.constantFrom(...ENVELOPES),
  mutations: fc.array(fc.oneof(mutation, timestampMutation), { minLength: 1, maxLength: 4 }),
});

describe("properties: processMessages never throws and accounts for every record", () => {
  test("any JSON value as a message body: as a value, as JSON text and as bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const text = JSON.stringify(value);
        await run([value, text, new TextEncoder().encode(text)]);
      }),
      { numRuns: 150 },
    );
  });

  test("anything a host could hand over as a parsed body (maps, sets, dates, typed arrays, null prototypes, sparse arrays)", async () => {
    const anything = fc.anything({
      maxDepth: 3,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      withNullPrototype: true,
      withObjectString: true,
    });
    await fc.assert(
      fc.asyncProperty(anything, async (value) => {
        await run([value, { records: [value] }, { records: [{ category: "kube-audit", properties: { log: value } }] }]);
      }),
      { numRuns: 150 },
    );
  });

  test("any string as properties.log (text and parsed envelopes): used or quarantined, never both", async () => {
    const logs = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.json(),
      fc.string({ unit: "binary-ascii" }).map((s) => `{"verb":"get",${s}`),
    );
    await fc.assert(
      fc.asyncProperty(logs, async (log) => {
        const record = { ...aksRecord(BASES[0] as Record<string, unknown>), properties: { log } };
        const result = await run([eventHubMessage([record]), { records: [record] }, [azureDiagnosticsRow(undefined, { log })]]);
        expect(result.stats.records).toBe(3);
        expect(result.stats.events + result.stats.quarantined).toBe(3);
      }),
      { numRuns: 200 },
    );
  });

  test("any JSON value as an already-parsed properties.log", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (log) => {
        const record = { ...aksRecord(BASES[0] as Record<string, unknown>), properties: { log } };
        const result = await run([{ records: [record] }]);
        expect(result.stats).toMatchObject({ records: 1 });
        expect(result.stats.events + result.stats.quarantined).toBe(1);
      }),
      { numRuns: 150 },
    );
  });

  test("every prefix of a valid event's JSON as properties.log: only the whole event is used", async () => {
    for (const base of BASES) {
      const log = `${JSON.stringify(base)}\n`;
      const records = Array.from({ length: log.length + 1 }, (_, n) => ({ ...aksRecord(base), properties: { log: log.slice(0, n) } }));
      const result = await run([eventHubMessage(records)]);
      // The whole text and the text without its final newline are the event; every shorter prefix is not.
      expect(result.stats).toMatchObject({ records: log.length + 1, events: 2, quarantined: log.length - 1 });
      expect(result.quarantined[0]?.reason).toBe("diagnostic record has no properties.log");
      result.quarantined.forEach((entry, i) => {
        expect(entry.location).toBe(`${SOURCE}:1 record ${i}`);
        if (i > 0) expect(entry.reason).toMatch(/^audit event is not valid JSON: /);
      });
    }
  });

  test("a random event cut anywhere: quarantined with its auditID once the cut is past it", async () => {
    const spec = fc.record({
      auditID: fc.uuid(),
      username: fc.string({ unit: "binary", maxLength: 30 }),
      verb: fc.constantFrom("get", "list", "watch", "create", "patch", "delete"),
      resource: fc.constantFrom("secrets", "pods", "configmaps", "rolebindings", "nodes"),
      namespace: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
      name: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(spec, fc.nat(), async (s, cutAt) => {
        const event = auditEvent({ ...s, time: T } as EventSpec);
        const log = JSON.stringify(event);
        const cut = cutAt % log.length; // 0 … length-1: never the whole event
        const result = await run([eventHubMessage([{ ...aksRecord(event), properties: { log: log.slice(0, cut) } }])]);
        expect(result.stats).toMatchObject({ records: 1, events: 0, quarantined: 1 });
        const prefix = log.slice(0, cut);
        if (prefix.includes(`"auditID":"${s.auditID}"`)) expect(result.quarantined[0]?.auditId).toBe(s.auditID);
      }),
      { numRuns: 200 },
    );
  });

  test("random mutations of valid records (wrong types, nulls, arrays for objects, bad timestamps) in every envelope", async () => {
    // How many runs got through to an event and to an incident: the mutations must not all be fatal.
    let used = 0;
    let detected = 0;
    await fc.assert(
      fc.asyncProperty(mutatedDelivery, async ({ base, envelope, mutations }) => {
        const body = envelope(mutate(base, mutations));
        const result = await run([body]);
        if (result.stats.events > 0) used++;
        if (result.incidents.length > 0) detected++;
        const decoded = decodeAndNormalize(body, { source: SOURCE, line: 1 });
        for (const event of decoded.events) expectWellTyped(event);
        for (const { reason } of decoded.rejected) expect(reason).toMatch(/^audit event /);
      }),
      { numRuns: 300 },
    );
    expect(used).toBeGreaterThan(100);
    expect(detected).toBeGreaterThan(30);
  });

  test("incident rows from mutated and re-timed records keep the incident contract (IncidentRowSchema)", async () => {
    await fc.assert(
      fc.asyncProperty(retimedDelivery, async ({ base, envelope, mutations }) => {
        const result = await run([envelope(mutate(base, mutations))]);
        for (const row of result.incidents) expect(IncidentRowSchema.safeParse(row).error?.issues).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe("huge fields", () => {
  test("a 1 MB username is cut, normalized and still detected; a truncated copy is quarantined with a short excerpt", async () => {
    const username = `${"u".repeat(1 << 20)}@contoso.com`;
    const event = auditEvent({ auditID: "huge-user", time: T, verb: "list", username, resource: "secrets" });
    const decoded = decodeAndNormalize(eventHubMessage([aksRecord(event)]), { source: SOURCE });
    expect(decoded.events[0]?.user.username).toBe(username.slice(0, MAX_FIELD));
    const log = JSON.stringify(event);
    const result = await run([
      eventHubMessage([aksRecord(event)]),
      eventHubMessage([{ ...aksRecord(event), properties: { log: log.slice(0, log.length - 10) } }]),
    ]);
    expect(result.stats).toMatchObject({ records: 2, events: 1, quarantined: 1 });
    expect(result.incidents).toHaveLength(1);
    const row = result.incidents[0];
    expect(row?.Actor).toBe(username.slice(0, MAX_FIELD));
    expect(row?.Title.length).toBeLessThan(1000);
    expect(JSON.stringify(row).length).toBeLessThan(64 * 1024);
    expect(result.quarantined[0]?.auditId).toBe("huge-user");
    expect(result.quarantined[0]?.excerpt.length).toBeLessThanOrEqual(1025);
  });

  test("a 5 MB requestURI is cut, normalized and still detected, with bounded evidence", async () => {
    const command = "A".repeat(5 * 1024 * 1024);
    const event = auditEvent({
      auditID: "huge-uri",
      time: T,
      verb: "create",
      username: "dev@contoso.com",
      resource: "pods",
      subresource: "exec",
      namespace: "prod",
      name: "web-0",
      code: 101,
      requestURI: `/api/v1/namespaces/prod/pods/web-0/exec?container=web&tty=true&command=${command}`,
    });
    const decoded = decodeAndNormalize(JSON.stringify(event), { source: SOURCE });
    expect(decoded.events[0]?.requestUri.length).toBe(MAX_FIELD);
    const text = JSON.stringify(event);
    const result = await run([text, eventHubMessage([aksRecord(event)]), text.slice(0, 3 * 1024 * 1024)]);
    expect(result.stats).toMatchObject({ records: 3, events: 2, quarantined: 1 });
    expect(result.quarantined[0]?.reason).toMatch(/not valid JSON/);
    // The raw event names no cluster, the Event Hub record does: one incident each.
    expect(result.incidents.map((r) => [r.DetectionId, r.ClusterName]).sort()).toEqual([
      ["pod-exec", ""],
      ["pod-exec", "aks-prod-weu"],
    ]);
    for (const row of result.incidents) for (const command of row.Evidence.commands as string[]) expect(command.length).toBeLessThanOrEqual(501);
    expect(JSON.stringify(result.incidents).length).toBeLessThan(64 * 1024);
  });
});

describe("prototype keys", () => {
  const PROTO_NAMES = ["__proto__", "constructor", "prototype"] as const;

  function prototypes(): string[][] {
    return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
  }

  function expectUnpolluted(before: string[][]): void {
    expect(prototypes()).toEqual(before);
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  }

  /** A JSON object text whose keys are prototype names, each holding a polluting payload. */
  const protoKeys = (extra: Record<string, unknown> = {}) =>
    JSON.parse(
      `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":["yes"]}${Object.keys(extra).length ? `,${JSON.stringify(extra).slice(1, -1)}` : ""}}`,
    ) as Record<string, unknown>;

  test("as keys of user.extra and annotations, as usernames, secret names, namespaces and categories: Object.prototype stays clean", async () => {
    const before = prototypes();
    const bodies: unknown[] = [];
    for (const name of PROTO_NAMES) {
      const event = auditEvent({ auditID: `proto-${name}`, time: T, verb: "get", username: name, resource: "secrets", namespace: name, name, code: 403 });
      event.user = { username: name, groups: [name, "system:authenticated"], extra: protoKeys() };
      event.annotations = protoKeys({ "authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": name });
      event.objectRef = { ...(event.objectRef as object), ...protoKeys() };
      event.requestObject = protoKeys({ kind: "Status", roleRef: protoKeys() });
      const text = JSON.stringify(event);
      expect(text).toContain('"__proto__":{"polluted":"yes"}');
      bodies.push(text, event, eventHubMessage([aksRecord(event), { ...klogRecord(T, "I1115 x"), category: name }]));
      bodies.push([logAnalyticsRow(event, { dynamicAsText: true })], JSON.stringify([logAnalyticsRow(event)]), [azureDiagnosticsRow(event)]);
      bodies.push(JSON.stringify(protoKeys({ [name]: name })));
      const decoded = decodeAndNormalize(text, { source: SOURCE });
      expect(decoded.events[0]?.user.username).toBe(name);
      expect([...(decoded.events[0]?.user.extra ?? [])]).toEqual([
        ["__proto__", []],
        ["constructor", []],
        ["prototype", []],
      ]);
      expect(decoded.events[0]?.decision).toBe("forbid");
    }
    const result = await run(bodies);
    expect(Object.entries(result.stats.skipped).sort()).toEqual([
      ["__proto__", 1],
      ["constructor", 1],
      ["prototype", 1],
    ]);
    expect(result.stats.events).toBe(18);
    expectUnpolluted(before);
  });

  test.each([...PROTO_NAMES, "hasOwnProperty", "toString"])("20 refused secret reads by a user named %s make a secret-enumeration incident", async (name) => {
    const before = prototypes();
    const specs: EventSpec[] = Array.from({ length: 20 }, (_, i) => ({
      auditID: `denied-${name}-${i}`,
      time: T + i * 1000,
      verb: "get",
      username: name,
      resource: "secrets",
      namespace: "prod",
      name: `secret-${i}`,
      code: 403,
    }));
    // One batch per event: the state for the key goes through the store and back twenty times.
    const { incidents, stats } = await runEvents(specs, { perMessage: 1 });
    expect(isBalanced(stats)).toBe(true);
    // denied-requests reports the same refusals; every row must carry the name intact.
    for (const row of incidents) expect(row.Actor).toBe(name);
    const enumeration = incidents.filter((row) => row.DetectionId === "secret-enumeration");
    expect(enumeration).toHaveLength(1);
    expect(enumeration[0]).toMatchObject({ Actor: name, ActorType: "user", EventCount: 20, Severity: "Medium" });
    expect(enumeration[0]?.Evidence.deniedReads).toBe(20);
    expect(enumeration[0]?.Title).toContain(name);
    expectUnpolluted(before);
  });

  test("ten distinct secrets with prototype names, in a namespace named __proto__, read by a user named constructor", async () => {
    const before = prototypes();
    const names = [
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "__defineGetter__",
      "isPrototypeOf",
      "propertyIsEnumerable",
      "toLocaleString",
    ];
    const specs: EventSpec[] = names.map((name, i) => ({
      auditID: `read-${i}`,
      time: T + i * 1000,
      verb: "get",
      username: "constructor",
      resource: "secrets",
      namespace: "__proto__",
      name,
    }));
    const { incidents } = await runEvents(specs, { perMessage: 3 });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ DetectionId: "secret-enumeration", Actor: "constructor", Namespaces: ["__proto__"], EventCount: 10 });
    expect(incidents[0]?.Evidence.distinctSecrets).toBe(10);
    expect(incidents[0]?.Evidence.secrets).toEqual(names.map((n) => `__proto__/${n}`));
    expect(incidents[0]?.Targets).toContain("secrets/__proto__/__proto__");
    expectUnpolluted(before);
  });
});

describe("control characters and deep nesting", () => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
  const CONTROL = /[\u0000-\u001f\u007f]/;

  test("control characters in a username: the Actor is the username, titles and descriptions are printable", async () => {
    const username = "mallory\u0000\u0007\u001b[2J\r\n\t\u007f#EXT#@contoso.com";
    const specs: EventSpec[] = [
      { auditID: "cc-list", time: T, verb: "list", username, resource: "secrets" },
      {
        auditID: "cc-exec",
        time: T,
        verb: "create",
        username,
        resource: "pods",
        subresource: "exec",
        namespace: "prod",
        name: "web-0",
        code: 101,
        requestURI: "/api/v1/namespaces/prod/pods/web-0/exec?command=sh%0D%0A%1B%5B2J&command=-c&tty=true&container=web",
      },
      {
        auditID: "cc-rbac",
        time: T,
        verb: "create",
        username,
        resource: "clusterrolebindings",
        apiGroup: "rbac.authorization.k8s.io",
        name: "backdoor",
        level: "RequestResponse",
        requestObject: {
          kind: "ClusterRoleBinding",
          roleRef: { kind: "ClusterRole", name: "cluster-admin" },
          subjects: [{ kind: "User", name: "evil\u001b]0;pwned\u0007" }],
        },
      },
    ];
    const { incidents, stats } = await runEvents(specs);
    expect(isBalanced(stats)).toBe(true);
    // The core detections, and whichever of the catalogue also see these events: all must be clean.
    expect(incidents.map((r) => r.DetectionId)).toEqual(expect.arrayContaining(["pod-exec", "rbac-binding-change", "secret-enumeration"]));
    for (const row of incidents) {
      expect(row.Actor).toBe(username);
      expect(row.Title).not.toMatch(CONTROL);
      expect(row.Description).not.toMatch(CONTROL);
    }
  });

  // Built as text: JSON.stringify itself gives up a few thousand levels down.
  const nestedArrays = (depth: number, inner: string) => `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`;
  const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}"leaf"${"}".repeat(depth)}`;

  test.each([5, 64, 10_000])("a message of %i nested arrays around an event is quarantined, as a value and as text", async (depth) => {
    const text = nestedArrays(depth, JSON.stringify(BASES[0]));
    const result = await run([JSON.parse(text), text]);
    expect(result.stats).toMatchObject({ records: 2, events: 0, quarantined: 2 });
    expect(result.quarantined.map((q) => q.reason)).toEqual(["arrays nested too deep", "arrays nested too deep"]);
  });

  test.each([3, 10_000])("records[] holding %i nested arrays is quarantined", async (depth) => {
    const result = await run([
      eventHubMessage([aksRecord(BASES[0] as Record<string, unknown>)]).replace('"records":[', `"records":[${nestedArrays(depth, "1")},`),
    ]);
    expect(result.stats).toMatchObject({ records: 2, events: 1, quarantined: 1 });
  });

  test.each([
    ["with an auditID", true],
    ["without an auditID", false],
  ])("an event %s whose requestObject nests 10 000 levels deep is used or quarantined, as text, as a value and in Event Hub messages", async (_, withId) => {
    const shell: Record<string, unknown> = { ...(BASES[3] as Record<string, unknown>), requestObject: "DEEP" };
    if (!withId) delete shell.auditID;
    const text = JSON.stringify(shell).replace('"DEEP"', nestedObjects(10_000));
    const record = aksRecord(BASES[3] as Record<string, unknown>);
    const result = await run([
      text,
      JSON.parse(text),
      { records: [{ ...record, properties: { log: JSON.parse(text) } }] },
      { records: [{ ...record, properties: { log: `${text}\n` } }] },
    ]);
    expect(result.stats.records).toBe(4);
  });
});

describe("absurd timestamps", () => {
  test.each(["9999-12-31T23:59:59.999999Z", "+010000-01-01T00:00:00Z", "+275760-09-13T00:00:00.000Z"])(
    "one event stamped %s does not blind the pipeline to the ordinary events that follow",
    async (stamp) => {
      const pipeline = newPipeline();
      const odd = auditEvent({
        auditID: "odd",
        time: T,
        verb: "get",
        username: "system:kube-scheduler",
        resource: "leases",
        namespace: "kube-system",
        name: "x",
      });
      odd.stageTimestamp = stamp;
      odd.requestReceivedTimestamp = stamp;
      const first = await pipeline.processMessages([{ body: eventHubMessage([aksRecord(odd)]), location: { source: SOURCE, line: 1 } }]);
      expect(isBalanced(first.stats)).toBe(true);
      const ordinary = auditEvent({ auditID: "ordinary", time: T + 1000, verb: "list", username: "dev@contoso.com", resource: "secrets" });
      const second = await pipeline.processMessages([{ body: eventHubMessage([aksRecord(ordinary)]), location: { source: SOURCE, line: 2 } }]);
      expect(second.stats.events).toBe(1);
      expect(second.incidents.map((r) => [r.DetectionId, r.Actor])).toEqual([["secret-enumeration", "dev@contoso.com"]]);
    },
  );

  test("an event stamped in year 10000 either is quarantined or makes a row that keeps the incident contract", async () => {
    const event = auditEvent({ auditID: "y10k", time: T, verb: "list", username: "dev@contoso.com", resource: "secrets" });
    event.stageTimestamp = "+010000-01-01T00:00:00Z";
    event.requestReceivedTimestamp = "+010000-01-01T00:00:00Z";
    const result = await run([eventHubMessage([aksRecord(event)])]);
    expect(result.stats.events + result.stats.quarantined).toBe(1);
    for (const row of result.incidents) expect(IncidentRowSchema.safeParse(row).error?.issues).toBeUndefined();
  });
});
