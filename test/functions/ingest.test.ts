import { readFileSync } from "node:fs";
import { app } from "@azure/functions";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createIngestHandler, ingest } from "../../functions/ingest.js";
import { INCIDENT_LOG_PREFIX } from "../../functions/logBatchResult.js";
import type { Runtime } from "../../functions/runtime.js";
import { deliverTrigger, ingestTrigger, sweepTrigger } from "../../functions/triggers.js";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { PartitionedPipelines } from "../../pipeline/partitionedPipelines.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import { StateStoreError } from "../../pipeline/state/stateStoreError.js";
import { aksRecord, auditEvent, eventHubMessage, klogRecord } from "../../scripts/synthetic/auditRecords.js";
import { eventHubTriggerMetadata, invocationContext, type LogLine } from "./eventHubInvocation.js";
import { startFunctionApp, type TestFunctionApp } from "./functionKit.js";

// A real Event Hub message body from AKS diagnostic settings: 22 kube-audit records of control-plane noise.
const corpusMessage = readFileSync(new URL("../../../shared/corpus/sysdiglabs-aks-audit-log/event.json", import.meta.url), "utf8");

const execTime = Date.parse("2024-05-14T09:12:03.123Z");
const execIntoPod = auditEvent({
  auditID: "6c1d4b0e-8f6a-4f0b-a2f7-1f3e9d4b7a21",
  time: execTime,
  verb: "create",
  username: "dev@contoso.com",
  groups: ["6f0b9a4e-55c2-4b1d-9e4f-2a7c8d3e1b90", "system:authenticated"],
  resource: "pods",
  subresource: "exec",
  namespace: "default",
  name: "web-0",
  requestURI: "/api/v1/namespaces/default/pods/web-0/exec?command=bash&container=web&stdin=true&stdout=true&tty=true",
  code: 101,
  stage: "ResponseStarted",
  sourceIP: "203.0.113.24",
});
const podList = auditEvent({
  auditID: "0b6f2d4c-1e3a-4c5b-8d7e-9f0a1b2c3d4e",
  time: execTime - 2_000,
  verb: "list",
  username: "dev@contoso.com",
  resource: "pods",
  namespace: "default",
});

/** A batch as AKS writes it: the real corpus message, the exec with a neighbour, and a klog record of another category. */
const execBatch: readonly string[] = [
  corpusMessage,
  eventHubMessage([aksRecord(podList), aksRecord(execIntoPod)]),
  eventHubMessage([klogRecord(execTime, 'I0514 09:12:03.200000 1 trace.go:236] Trace[1]: "List" url:/api/v1/pods')]),
];

const fixedClock = () => new Date("2024-05-14T09:15:00.000Z");

function incidentsIn(logs: readonly LogLine[]): IncidentRow[] {
  return logs
    .filter((line) => line.level === "information" && line.message.startsWith(INCIDENT_LOG_PREFIX))
    .map((line) => JSON.parse(line.message.slice(INCIDENT_LOG_PREFIX.length)) as IncidentRow);
}

function warningsIn(logs: readonly LogLine[]): string[] {
  return logs.filter((line) => line.level === "warning").map((line) => line.message);
}

const apps: TestFunctionApp[] = [];

async function functionApp(): Promise<TestFunctionApp> {
  const started = await startFunctionApp({ clock: fixedClock });
  apps.push(started);
  return started;
}

async function runBatch(bodies: unknown[], options: { firstSequenceNumber?: number; metadata?: boolean } = {}) {
  const app = await functionApp();
  const handler = createIngestHandler(app.runtime);
  const metadata =
    options.metadata === false ? undefined : eventHubTriggerMetadata({ firstSequenceNumber: options.firstSequenceNumber ?? 1234, count: bodies.length });
  const { context, logs } = invocationContext(metadata);
  await handler(bodies, context);
  // What the log says went out is what Log Analytics received.
  expect(app.received().map(withoutTime)).toEqual(incidentsIn(logs).map(withoutTime));
  return logs;
}

function withoutTime({ TimeGenerated: _, ...rest }: IncidentRow): Omit<IncidentRow, "TimeGenerated"> {
  return rest;
}

describe("ingest handler", () => {
  afterEach(async () => {
    vi.unstubAllEnvs();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it("logs a pod-exec incident for an exec into a pod", async () => {
    const logs = await runBatch([...execBatch]);

    const incidents = incidentsIn(logs);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      DetectionId: "pod-exec",
      Revision: 1,
      Actor: "dev@contoso.com",
      ActorType: "user",
      ClusterName: "aks-prod-weu",
      Targets: ["pods/default/web-0"],
      AuditIds: ["6c1d4b0e-8f6a-4f0b-a2f7-1f3e9d4b7a21"],
      SourceIps: ["203.0.113.24"],
    });
    expect(incidents[0]?.Title).toContain("bash");
    expect(warningsIn(logs)).toEqual([]);
  });

  it("gives the same incidents whether the host passes strings, Buffers or parsed JSON", async () => {
    const asStrings = incidentsIn(await runBatch([...execBatch]));
    const asBuffers = incidentsIn(await runBatch(execBatch.map((body, i) => (i === 0 ? new TextEncoder().encode(body) : Buffer.from(body, "utf8")))));
    const asParsed = incidentsIn(await runBatch(execBatch.map((body) => JSON.parse(body) as unknown)));

    expect(asStrings).toHaveLength(1);
    expect(asBuffers).toEqual(asStrings);
    expect(asParsed).toEqual(asStrings);
  });

  it("logs one summary line per batch with its partition, sequence range and counts", async () => {
    const logs = await runBatch([...execBatch]);

    const summaries = logs.filter((line) => line.message.startsWith("ingest batch"));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.level).toBe("information");
    expect(summaries[0]?.message).toMatch(
      /^ingest batch partition 3 sequences 1234-1236 enqueued from 2024-05-14T09:12:04\.512Z: 3 messages, 25 records, 24 events, 1 skipped, 0 quarantined, 1 incidents, \d+ suppressed, 0 late, \d+ ms$/,
    );
    expect(logs.at(-1)).toBe(summaries[0]);
  });

  it("quarantines a non-JSON message and a truncated properties.log, naming partition and sequence, and resolves", async () => {
    const secretCreate = auditEvent({
      auditID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
      time: execTime,
      verb: "create",
      username: "dev@contoso.com",
      resource: "secrets",
      namespace: "default",
      name: "db-credentials",
      level: "Request",
      requestObject: { kind: "Secret", apiVersion: "v1", metadata: { name: "db-credentials" }, data: { password: "aHVudGVyMg==" } },
    });
    const truncated = aksRecord(secretCreate) as { properties: { log: string } };
    truncated.properties.log = truncated.properties.log.slice(0, truncated.properties.log.indexOf("aHVudGVyMg==") + 6);
    const bodies = ["W0514 09:12:03.117 1 reflector.go:539] watch of *v1.Pod ended", eventHubMessage([aksRecord(execIntoPod), truncated])];

    const logs = await runBatch(bodies);

    const warnings = warningsIn(logs);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^quarantined partition 3 sequence 1234: message is not valid JSON: /);
    expect(warnings[1]).toMatch(
      /^quarantined partition 3 sequence 1235 record 1 \(auditID 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\): audit event is not valid JSON: .*truncated\?/,
    );
    // The excerpt stops before the request body: the secret's value never reaches the log.
    for (const line of logs) expect(line.message).not.toContain("aHVudGVy");
    expect(incidentsIn(logs).map((row) => row.DetectionId)).toEqual(["pod-exec"]);
    expect(logs.at(-1)?.message).toMatch(/: 2 messages, 3 records, 1 events, 0 skipped, 2 quarantined, 1 incidents, /);
  });

  it("still processes the batch when the trigger metadata is missing, and says so", async () => {
    const logs = await runBatch(["not json", execBatch[1]], { metadata: false });

    const warnings = warningsIn(logs);
    expect(warnings[0]).toBe(
      "trigger metadata incomplete, quarantine locations will be less precise: no partitionContext.partitionId; no sequence number for 2 of 2 messages (sequenceNumberArray missing)",
    );
    expect(warnings[1]).toMatch(/^quarantined eventhub: message is not valid JSON/);
    expect(incidentsIn(logs)).toHaveLength(1);
    expect(logs.at(-1)?.message).toMatch(/^ingest batch partition unknown: 2 messages, /);
  });

  it("ignores a sequenceNumberArray of the wrong length rather than misplace records", async () => {
    const handler = createIngestHandler((await functionApp()).runtime);
    const metadata = eventHubTriggerMetadata({ firstSequenceNumber: 1234, count: 2 });
    const { context, logs } = invocationContext({ ...metadata, sequenceNumberArray: [1234], systemPropertiesArray: undefined });

    await handler(["not json", "{"], context);

    expect(warningsIn(logs)).toEqual([
      "trigger metadata incomplete, quarantine locations will be less precise: no sequence number for 2 of 2 messages (sequenceNumberArray has 1 entries)",
      expect.stringMatching(/^quarantined partition 3: message is not valid JSON/),
      expect.stringMatching(/^quarantined partition 3: message is not valid JSON/),
    ]);
  });

  it("processes a single body as a batch of one if the binding ever delivers one", async () => {
    const handler = createIngestHandler((await functionApp()).runtime);
    const { context, logs } = invocationContext(eventHubTriggerMetadata({ firstSequenceNumber: 1234, count: 1 }));

    await handler(execBatch[1] as unknown as unknown[], context);

    expect(incidentsIn(logs).map((row) => row.DetectionId)).toEqual(["pod-exec"]);
    expect(warningsIn(logs)).toEqual([]);
  });

  it("throws when the state store is unavailable, so the trigger's retry policy runs the batch again", async () => {
    const app = await functionApp();
    const store = new MemoryStateStore({ outbox: true });
    store.mergeWrite = () =>
      Promise.reject(
        new StateStoreError({ operation: "mergeWrite", keyCount: 1, table: "kubetrailstate", reason: "unavailable", cause: new Error("ECONNREFUSED") }),
      );
    const handler = createIngestHandler({ ...app.runtime, pipelines: new PartitionedPipelines({ store }) });
    const { context } = invocationContext(eventHubTriggerMetadata({ firstSequenceNumber: 1234, count: 1 }));

    await expect(handler([execBatch[1]], context)).rejects.toThrow(/state store mergeWrite of 1 key\(s\) in table kubetrailstate failed \(unavailable\)/);
  });

  it("records a batch it can never process by its place in the hub, and does not block the partition", async () => {
    const app = await functionApp();
    const store = new MemoryStateStore({ outbox: true });
    store.mergeWrite = () => Promise.reject(new StateStoreError({ operation: "mergeWrite", keyCount: 1, table: "kubetrailstate", reason: "value too large" }));
    const recorded: unknown[] = [];
    const runtime: Runtime = {
      ...app.runtime,
      pipelines: new PartitionedPipelines({ store }),
      quarantine: { put: async (entries) => void recorded.push(...entries) },
    };
    const { context, logs } = invocationContext(eventHubTriggerMetadata({ firstSequenceNumber: 1234, count: 1 }));

    await createIngestHandler(runtime)([execBatch[1]], context);

    expect(recorded).toEqual([
      { reason: expect.stringMatching(/^batch not processed: .*value too large/), location: "partition 3 sequence 1234", auditId: undefined, excerpt: "" },
    ]);
    expect(logs.filter((line) => line.level === "error").map((line) => line.message)).toEqual([
      expect.stringMatching(/^partition 3 sequence 1234: batch not processed/),
    ]);
  });

  it("builds its runtime on first use and retries a build that failed", async () => {
    const { runtime } = await functionApp();
    const build = vi.fn<() => Promise<Runtime>>().mockRejectedValueOnce(new Error("config unreadable")).mockResolvedValue(runtime);
    const handler = createIngestHandler(build);
    expect(build).not.toHaveBeenCalled();

    await expect(handler([execBatch[1]], invocationContext().context)).rejects.toThrow("config unreadable");
    await handler([execBatch[1]], invocationContext().context);
    await handler([execBatch[1]], invocationContext().context);

    expect(build).toHaveBeenCalledTimes(2);
  });

  it("runs the default handler on a runtime built from the process's app settings; an upload it cannot make waits in the outbox", async () => {
    const app = await functionApp();
    vi.stubEnv("KUBETRAIL_STATE", "memory");
    vi.stubEnv("KUBETRAIL_INGESTION_ENDPOINT", app.server.url);
    vi.stubEnv("KUBETRAIL_DCR_ID", "dcr-0123456789abcdef0123456789abcdef");
    vi.stubEnv("KUBETRAIL_CONFIG_FILE", "");
    // No credential reaches a token here, and the test certificate is not trusted: the upload fails.
    vi.stubEnv("AZURE_CLIENT_ID", "");
    const { context, logs } = invocationContext(eventHubTriggerMetadata({ firstSequenceNumber: 77, count: 1, partitionId: "0" }));

    await ingest([execBatch[1]], context);

    expect(incidentsIn(logs).map((row) => row.DetectionId)).toEqual(["pod-exec"]);
    expect(warningsIn(logs)).toEqual([expect.stringMatching(/^1 incident rows not delivered yet, left to the deliver timer: /)]);
    expect(app.received()).toEqual([]);
  });
});

describe("functions/index.ts", () => {
  it("registers the ingest handler as a batched Event Hub trigger with a retry policy, and the two timers", async () => {
    // Outside the Functions host the library warns that it runs in test mode and skips registration.
    const libraryWarnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
      libraryWarnings.push(args.map(String).join(" "));
    });
    const register = vi.spyOn(app, "eventHub");
    const timers = vi.spyOn(app, "timer");

    await import("../../functions/index.js");

    expect(register).toHaveBeenCalledTimes(1);
    expect(register).toHaveBeenCalledWith("ingest", {
      connection: "EventHubConnection",
      eventHubName: "%EVENTHUB_NAME%",
      consumerGroup: "%EVENTHUB_CONSUMER_GROUP%",
      cardinality: "many",
      retry: ingestTrigger.retry,
      handler: ingest,
    });
    // Retried until it succeeds: no checkpoint is written meanwhile, so the hub keeps the batch.
    expect(ingestTrigger.retry).toMatchObject({ strategy: "exponentialBackoff", maxRetryCount: -1 });
    expect(timers.mock.calls.map(([name, options]) => [name, options.schedule])).toEqual([
      ["deliver", deliverTrigger.schedule],
      ["sweep", sweepTrigger.schedule],
    ]);
    for (const warning of libraryWarnings) expect(warning).toMatch(/"@azure\/functions" package (to|is in) test mode/);
  });
});
