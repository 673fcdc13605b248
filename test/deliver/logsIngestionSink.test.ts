/**
 * The Logs Ingestion sink with the real `LogsIngestionClient` over real HTTPS against a local fake of the
 * ingestion endpoint: what arrives, decoded, under partial failure, throttling, resets and slow responses,
 * and that re-uploading only the failed rows delivers every row exactly once.
 */
import type { TokenCredential } from "@azure/identity";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { IngestionConfigError, LogsIngestionSink, type LogsIngestionSinkOptions } from "../../pipeline/deliver/logsIngestionSink.js";
import { type IncidentRow, IncidentRowSchema } from "../../pipeline/incidents/incidentRow.js";
import { type IngestionFault, IngestionServer } from "../support/ingestionServer.js";
import { testCertificate } from "../support/testCertificate.js";

const RULE_ID = "dcr-0123456789abcdef0123456789abcdef";
const STREAM = "Custom-KubetrailIncidents_CL";
const EMITTED_AT = new Date("2025-06-01T12:34:56.789Z");
const credential: TokenCredential = { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 }) };

let server: IngestionServer;

beforeEach(async () => {
  server = await IngestionServer.start({ ruleId: RULE_ID, streamName: STREAM });
});

afterEach(async () => {
  await server.close();
});

async function sinkFor(target: IngestionServer, options: Partial<LogsIngestionSinkOptions> & { maxRetries?: number } = {}): Promise<LogsIngestionSink> {
  const { cert } = await testCertificate();
  const { maxRetries = 3, ...rest } = options;
  return new LogsIngestionSink({
    endpoint: target.url,
    ruleId: RULE_ID,
    streamName: STREAM,
    credential,
    clock: () => EMITTED_AT,
    clientOptions: { tlsOptions: { ca: cert }, retryOptions: { maxRetries, retryDelayInMs: 2, maxRetryDelayInMs: 10 } },
    ...rest,
  });
}

/** A valid incident row; `evidenceBytes` pads Evidence to make the row big. */
function incident(n: number, { revision = 1, evidenceBytes = 0 } = {}): IncidentRow {
  return IncidentRowSchema.parse({
    TimeGenerated: "2000-01-01T00:00:00.000Z",
    IncidentId: `inc-${String(n).padStart(4, "0")}`,
    Revision: revision,
    DetectionId: "secret-enumeration",
    Title: `dev${n}@contoso.com listed secrets in all namespaces`,
    Description: "Listed secrets cluster-wide.",
    Severity: "High",
    Tactics: ["CredentialAccess"],
    Techniques: ["T1552.007"],
    ClusterResourceId: "/subscriptions/0000/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks1",
    ClusterName: "aks1",
    Actor: `dev${n}@contoso.com`,
    ActorType: "user",
    ActorGroups: ["system:authenticated"],
    SourceIps: ["203.0.113.7"],
    UserAgents: ["kubectl/v1.30.0"],
    Namespaces: ["default", "kube-system"],
    Targets: ["secrets/default/*"],
    FirstSeen: "2025-06-01T12:00:00.000Z",
    LastSeen: "2025-06-01T12:05:00.000Z",
    EventCount: 3,
    AuditIds: ["a1", "a2", "a3"],
    Evidence: { verbs: ["list"], revision, padding: "x".repeat(evidenceBytes) },
  });
}

const keyOf = (row: Record<string, unknown>): string => `${row.IncidentId}#${row.Revision}`;

function receivedCounts(target: IngestionServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of target.received) counts.set(keyOf(row), (counts.get(keyOf(row)) ?? 0) + 1);
  return counts;
}

function expectEachReceivedOnce(target: IngestionServer, rows: readonly IncidentRow[]): void {
  expect(target.received).toHaveLength(rows.length);
  expect([...receivedCounts(target).entries()].sort()).toEqual(rows.map((row) => [keyOf(row), 1]).sort());
}

describe("LogsIngestionSink with the real SDK over HTTPS", () => {
  test("happy path: every row once, schema-valid, dynamic columns as JSON, TimeGenerated is the upload time", async () => {
    const rows = [1, 2, 3, 4, 5].map((n) => incident(n));
    const result = await (await sinkFor(server)).upload(rows);
    expect(result).toEqual({ delivered: rows, failed: [] });
    expectEachReceivedOnce(server, rows);
    for (const received of server.received) {
      const row = IncidentRowSchema.parse(received);
      expect(row.TimeGenerated).toBe(EMITTED_AT.toISOString());
      expect(Array.isArray(received.Tactics) && Array.isArray(received.AuditIds)).toBe(true);
      expect(row.Evidence).toMatchObject({ verbs: ["list"], revision: 1 });
    }
    expect(rows[0]?.TimeGenerated).toBe("2000-01-01T00:00:00.000Z"); // inputs not mutated
    expect(server.requests).toEqual([
      expect.objectContaining({
        path: `/dataCollectionRules/${RULE_ID}/streams/${STREAM}`,
        apiVersion: "2023-01-01",
        contentEncoding: "gzip",
        authorization: "Bearer test-token",
        status: 204,
      }),
    ]);
    expect(await (await sinkFor(server)).upload([])).toEqual({ delivered: [], failed: [] });
    expect(server.requests).toHaveLength(1);
  });

  test("a chunk failing beyond the retries: exactly its rows fail; re-uploading them delivers each row once", async () => {
    const rows = Array.from({ length: 9 }, (_, i) => incident(i, { evidenceBytes: 300_000 })); // 3 rows per < 1 MB chunk
    const fail: IngestionFault = { kind: "status", status: 500 };
    server.setFaults({ script: [{ kind: "pass" }, fail, fail, fail] });
    const sink = await sinkFor(server, { maxRetries: 2, maxConcurrency: 1 });
    const first = await sink.upload(rows);
    const failedChunk = server.requests.filter((r) => r.status === 500);
    expect(failedChunk).toHaveLength(3);
    expect(first.failed.map((f) => keyOf(f.row))).toEqual(failedChunk[0]?.rows.map(keyOf));
    expect(first.failed.map((f) => f.row)).toEqual(rows.slice(3, 6));
    expect(first.delivered).toEqual([...rows.slice(0, 3), ...rows.slice(6)]);
    expect(first.failed[0]?.error).toBe("HTTP 500 ServiceError: injected 500");
    expect(server.requests.filter((r) => r.accepted)).toHaveLength(2);

    server.heal();
    const second = await sink.upload(first.failed.map((f) => f.row));
    expect(second).toEqual({ delivered: rows.slice(3, 6), failed: [] });
    expectEachReceivedOnce(server, rows);
  });

  test.each<[string, IngestionFault, number]>([
    ["429 with Retry-After", { kind: "throttle", retryAfterSeconds: 0.05 }, 3],
    ["503", { kind: "status", status: 503 }, 3],
    ["connection reset", { kind: "reset" }, 3],
    ["slow response", { kind: "slow", delayMs: 150 }, 1],
  ])("%s within the SDK's retries: delivered exactly once", async (_name, fault, attempts) => {
    const rows = Array.from({ length: 10 }, (_, i) => incident(i));
    server.setFaults({ script: [fault, fault] });
    const result = await (await sinkFor(server)).upload(rows);
    expect(result).toEqual({ delivered: rows, failed: [] });
    expectEachReceivedOnce(server, rows);
    expect(server.requests).toHaveLength(attempts);
    if (fault.kind === "throttle") {
      const [first, second] = server.requests;
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(40); // Retry-After honoured
    }
  });

  test("property: uploading only the failed rows until none fail delivers each row exactly once", async () => {
    const failing: IngestionFault[] = [
      { kind: "status", status: 500 },
      { kind: "status", status: 503 },
      { kind: "throttle", retryAfterSeconds: 0.005 },
      { kind: "reset" },
    ];
    const faults = [...failing, { kind: "slow", delayMs: 10 } as const];
    // 2 x maxConcurrency scripted failures first: with one retry, the first chunk to finish has failed, so
    // every run goes through at least one re-upload; seeded random faults after that.
    const opening = fc.array(fc.constantFrom(...failing), { minLength: 6, maxLength: 6 });
    const rowSizes = fc.array(fc.boolean(), { minLength: 1, maxLength: 16 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        opening,
        rowSizes,
        fc.integer({ min: 1, max: 3 }),
        async (seed, script, big, maxConcurrency) => {
          const target = await IngestionServer.start({ ruleId: RULE_ID, streamName: STREAM });
          try {
            target.setFaults({ script, random: { seed, probability: 0.4, faults } });
            const rows = big.map((isBig, i) => incident(i, { evidenceBytes: isBig ? 250_000 : 0 }));
            const sink = await sinkFor(target, { maxRetries: 1, maxConcurrency });
            let pending: IncidentRow[] = rows;
            let rounds = 0;
            for (; rounds < 30 && pending.length > 0; rounds++) pending = (await sink.upload(pending)).failed.map((f) => f.row);
            expect(pending).toEqual([]);
            expect(rounds).toBeGreaterThan(1);
            expectEachReceivedOnce(target, rows);
          } finally {
            await target.close();
          }
        },
      ),
      { numRuns: 6, seed: 20250601 },
    );
  });

  test("accepted-then-reset is the one duplicate case; the latest Revision per IncidentId is still right", async () => {
    const rows = [incident(1), incident(1, { revision: 2 }), incident(2), incident(3, { revision: 3 })];
    server.setFaults({ script: [{ kind: "acceptedThenReset" }] });
    const result = await (await sinkFor(server)).upload(rows);
    expect(result).toEqual({ delivered: rows, failed: [] });
    expect(server.received).toHaveLength(2 * rows.length); // the client never saw the first 204
    // What `KubetrailIncidents_CL | summarize arg_max(Revision, *) by IncidentId` keeps:
    const latest = new Map<unknown, Record<string, unknown>>();
    for (const row of server.received) {
      const kept = latest.get(row.IncidentId);
      if (!kept || Number(row.Revision) > Number(kept.Revision)) latest.set(row.IncidentId, row);
    }
    expect([...latest.values()].map(keyOf).sort()).toEqual(["inc-0001#2", "inc-0002#1", "inc-0003#3"]);
  });

  test.each<[string, Partial<LogsIngestionSinkOptions>, RegExp]>([
    ["an http endpoint", { endpoint: "http://127.0.0.1:8080" }, /must be https/],
    ["an endpoint that is not a URL", { endpoint: "kubetrail-dce" }, /not a URL/],
    ["an empty rule id", { ruleId: "" }, /ruleId .* is empty/],
    ["an empty stream name", { streamName: " " }, /streamName .* is empty/],
  ])("config error: %s", async (_name, override, message) => {
    const create = async () => sinkFor(server, override);
    await expect(create()).rejects.toThrow(IngestionConfigError);
    await expect(create()).rejects.toThrow(message);
  });

  test("a row over 1 MB is reported failed and never sent; a big row under the limit is delivered", async () => {
    const huge = incident(2, { evidenceBytes: 1_100_000 });
    const rows = [incident(1), huge, incident(3, { evidenceBytes: 900_000 })];
    const result = await (await sinkFor(server)).upload(rows);
    expect(result.delivered).toEqual([rows[0], rows[2]]);
    expect(result.failed).toEqual([{ row: huge, error: expect.stringMatching(/^row is \d+ bytes as JSON; .* limited to 1 MB, so it was not sent$/) }]);
    expect(server.requests.flatMap((r) => r.rows).some((row) => row.IncidentId === huge.IncidentId)).toBe(false);
  });

  test("errors the SDK does not retry fail every row with a short reason and no token", async () => {
    const rows = [incident(1), incident(2)];
    const wrongStream = await (await sinkFor(server, { streamName: "Custom-Other_CL" })).upload(rows);
    expect(wrongStream.delivered).toEqual([]);
    expect(wrongStream.failed).toEqual(rows.map((row) => ({ row, error: "HTTP 404 InvalidStream: unknown stream" })));
    const broken: TokenCredential = { getToken: async () => Promise.reject(new Error("no managed identity endpoint")) };
    const noToken = await (await sinkFor(server, { credential: broken })).upload(rows);
    expect(noToken.failed.map((f) => f.error)).toEqual([expect.stringContaining("no managed identity endpoint"), expect.anything()]);
    expect(JSON.stringify([wrongStream, noToken])).not.toContain("test-token");
    expect(server.requests).toHaveLength(1);
  });

  test("abort mid-upload: nothing reported delivered that the server did not receive", async () => {
    const rows = Array.from({ length: 8 }, (_, i) => incident(i, { evidenceBytes: 400_000 })); // 4 chunks
    server.setFaults({ random: { seed: 1, probability: 1, faults: [{ kind: "slow", delayMs: 1000 }] } });
    const result = await (await sinkFor(server, { maxConcurrency: 1 })).upload(rows, { abortSignal: AbortSignal.timeout(150) });
    expect(result.delivered.length + result.failed.length).toBe(rows.length);
    // The SDK stops scheduling chunks on abort and reports only those in flight; the sink fails the rest.
    const received = receivedCounts(server);
    for (const row of result.delivered) expect(received.get(keyOf(row))).toBe(1);
    const failed = new Set(result.failed.map((f) => f.row));
    const neverSent = rows.filter((row) => !server.requests.some((r) => r.rows.some((sent) => keyOf(sent) === keyOf(row))));
    expect(neverSent.length).toBeGreaterThan(0);
    for (const row of neverSent) expect(failed.has(row)).toBe(true);
  });
});
