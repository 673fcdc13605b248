/**
 * The Function app end to end, as the host runs it: the sample's 64 Event Hub messages spread over four
 * partitions and handed to the real ingest handler in small batches with trigger metadata, detection state
 * and the incident outbox in Azurite, the real Logs Ingestion client uploading over HTTPS to a local
 * endpoint, and the `deliver` and `sweep` timers. Whatever fails on the way (uploads, the tables, a crash
 * after the commit, redelivery), Log Analytics ends up with every incident revision exactly once and the
 * final rows of a plain in-memory replay.
 */
import type { Timer, TriggerMetadata } from "@azure/functions";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createDeliverHandler } from "../../functions/deliver.js";
import { eventHubBatch } from "../../functions/eventHubBatch.js";
import { createIngestHandler, type IngestHandler } from "../../functions/ingest.js";
import { INCIDENT_LOG_PREFIX } from "../../functions/logBatchResult.js";
import type { Runtime } from "../../functions/runtime.js";
import { createSweepHandler } from "../../functions/sweep.js";
import { type IncidentRow, IncidentRowSchema } from "../../pipeline/incidents/incidentRow.js";
import { PartitionedPipelines } from "../../pipeline/partitionedPipelines.js";
import { runReplay } from "../../pipeline/replay/runReplay.js";
import { FIRST_LEASE_MS } from "../../pipeline/state/incidentOutbox.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import { StateStoreError } from "../../pipeline/state/stateStoreError.js";
import { unescapeKey } from "../../pipeline/state/tableKeys.js";
import { aksRecord, auditEvent, eventHubMessage } from "../../scripts/synthetic/auditRecords.js";
import { type Azurite, devConnectionString, startAzurite } from "../support/azurite.js";
import { comparable, FIXED_NOW, orderIndependent } from "../support/harness.js";
import { type IngestionFault, IngestionServer } from "../support/ingestionServer.js";
import { freshTables, QUICK_RETRY, SAMPLE, sampleMessages, snapshot } from "../state/stateKit.js";
import { TcpProxy } from "../state/tcpProxy.js";
import { eventHubTriggerMetadata, invocationContext, type LogLine } from "./eventHubInvocation.js";
import { type FunctionAppOptions, RULE_ID, STREAM, startFunctionApp, type TestFunctionApp } from "./functionKit.js";

const PARTITIONS = 4;
/** Messages per trigger invocation, in turn: the host hands over whatever has arrived, a few at a time. */
const BATCH_SIZES = [3, 1, 4, 2];
const HOUR = 60 * 60_000;

/** One trigger invocation's input: message bodies as the host passes them, and its trigger metadata. */
interface HubBatch {
  readonly partition: string;
  readonly bodies: readonly string[];
  readonly metadata: TriggerMetadata;
}

/** The sample dealt round-robin by message to the partitions, each partition cut into batches with consecutive sequence numbers. */
function hubBatches(): HubBatch[][] {
  const byPartition: { body: string; enqueuedAt: number }[][] = Array.from({ length: PARTITIONS }, () => []);
  sampleMessages.forEach((message, i) => {
    // Enqueued as the sample's two hours went by.
    byPartition[i % PARTITIONS]?.push({ body: message.body as string, enqueuedAt: Date.parse("2026-11-20T08:00:02.000Z") + i * 112_000 });
  });
  return byPartition.map((messages, p) => {
    const partition = String(p);
    const batches: HubBatch[] = [];
    let sequence = 4_000 + 1_000 * p;
    for (let start = 0, turn = 0; start < messages.length; turn++) {
      const slice = messages.slice(start, start + (BATCH_SIZES[turn % BATCH_SIZES.length] as number));
      const enqueuedAt = new Date(slice[0]?.enqueuedAt ?? 0).toISOString();
      batches.push({
        partition,
        bodies: slice.map((message) => message.body),
        metadata: eventHubTriggerMetadata({ partitionId: partition, firstSequenceNumber: sequence, count: slice.length, enqueuedAt }),
      });
      start += slice.length;
      sequence += slice.length;
    }
    return batches;
  });
}

/** Every partition's batches, taking turns one batch at a time: a deterministic order for seeded faults. */
function interleaved(partitions: readonly (readonly HubBatch[])[]): HubBatch[] {
  const out: HubBatch[] = [];
  for (let i = 0; partitions.some((batches) => i < batches.length); i++) {
    for (const batches of partitions) {
      const batch = batches[i];
      if (batch) out.push(batch);
    }
  }
  return out;
}

/** A wall clock the test moves by hand; runtimes read it for leases, retry times and TimeGenerated. */
class ManualClock {
  constructor(public ms: number = Date.now()) {}
  readonly date = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Runs one invocation of the handler as the host would; its log lines come back. */
async function invoke(handler: IngestHandler, batch: HubBatch): Promise<LogLine[]> {
  const { context, logs } = invocationContext(batch.metadata);
  await handler([...batch.bodies], context);
  return logs;
}

/** Partitions run concurrently, each one batch after the other (as the host runs an Event Hub trigger). */
async function runPartitions(partitions: readonly (readonly HubBatch[])[], handlerOf: (partition: string) => IngestHandler): Promise<LogLine[]> {
  const logs = await Promise.all(
    partitions.map(async (batches) => {
      const lines: LogLine[] = [];
      for (const batch of batches) lines.push(...(await invoke(handlerOf(batch.partition), batch)));
      return lines;
    }),
  );
  return logs.flat();
}

async function runInOrder(batches: readonly HubBatch[], handler: IngestHandler): Promise<LogLine[]> {
  const logs: LogLine[] = [];
  for (const batch of batches) logs.push(...(await invoke(handler, batch)));
  return logs;
}

const keyOf = (row: Pick<IncidentRow, "IncidentId" | "Revision">): string => `${row.IncidentId}#${row.Revision}`;

function loggedIncidents(logs: readonly LogLine[]): IncidentRow[] {
  return logs
    .filter((line) => line.level === "information" && line.message.startsWith(INCIDENT_LOG_PREFIX))
    .map((line) => JSON.parse(line.message.slice(INCIDENT_LOG_PREFIX.length)) as IncidentRow);
}

const levelOf = (logs: readonly LogLine[], level: LogLine["level"]): string[] => logs.filter((line) => line.level === level).map((line) => line.message);

function duplicatesIn(rows: readonly Pick<IncidentRow, "IncidentId" | "Revision">[]): string[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(keyOf(row), (counts.get(keyOf(row)) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} x${n}`);
}

let azurite: Azurite;
let proxy: TcpProxy;
/** Final rows per IncidentId of a memory-store replay, TimeGenerated left out. */
let baseline: ReturnType<typeof comparable>;
const partitions = hubBatches();
const apps: TestFunctionApp[] = [];
const servers: IngestionServer[] = [];

const timerInfo: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

/** The state table's emission entities (`~` + escaped `IncidentId#Revision`, see tableOutbox.ts): every revision some instance committed. */
async function emissions(stateTable: string): Promise<{ id: string; status: unknown }[]> {
  return (await snapshot(azurite.connectionString, stateTable))
    .filter((entity) => String(entity.rowKey).startsWith("~"))
    .map((entity) => ({ id: unescapeKey(String(entity.rowKey).slice(1)), status: entity.status }));
}

async function emittedIds(stateTable: string): Promise<string[]> {
  return (await emissions(stateTable)).map((e) => e.id).sort();
}

/**
 * What Log Analytics must hold after any of these runs: each committed revision exactly once and nothing
 * else, schema-valid, and per incident the final row of the in-memory replay.
 */
function expectDeliveredExactlyOnce(received: readonly IncidentRow[], emitted: readonly string[]): void {
  expect(duplicatesIn(received)).toEqual([]);
  expect(received.map(keyOf).sort()).toEqual([...emitted].sort());
  // Two partitions per process: sequences joined through memory may be judged before their precursor's
  // lesson is stored (Detection.orderSensitive); everything else must equal the in-memory replay.
  expect(comparable(orderIndependent(received))).toEqual(orderIndependent(baseline));
  for (const row of received) IncidentRowSchema.parse(row);
}

/** Warnings other than the sample's one quarantined record (a truncated `properties.log`). */
function warningsBesidesQuarantine(logs: readonly LogLine[]): string[] {
  const warnings = levelOf(logs, "warning");
  expect(warnings.filter((line) => line.startsWith("quarantined "))).toEqual([
    expect.stringMatching(/^quarantined partition \d sequence \d+ record \d+ \(auditID [0-9a-f-]+\): audit event is not valid JSON: /),
  ]);
  return warnings.filter((line) => !line.startsWith("quarantined "));
}

async function functionApp(options: FunctionAppOptions & { stateTable: string; connectionString?: string }): Promise<TestFunctionApp> {
  const { stateTable, connectionString = azurite.connectionString, tables, ...rest } = options;
  const started = await startFunctionApp({ ...rest, state: connectionString, tables: { stateTable, quarantineTable: `${stateTable}q`, ...tables } });
  apps.push(started);
  return started;
}

async function ingestionServer(): Promise<IngestionServer> {
  const server = await IngestionServer.start({ ruleId: RULE_ID, streamName: STREAM });
  servers.push(server);
  return server;
}

/** The `deliver` timer, run until the outbox is empty, each run with the clock past every retry time. */
async function deliverUntilEmpty(runtime: Runtime, clock: ManualClock, maxRuns = 5): Promise<{ runs: number; logs: LogLine[] }> {
  const deliver = createDeliverHandler(runtime);
  const logs: LogLine[] = [];
  for (let runs = 1; runs <= maxRuns; runs++) {
    clock.advance(2 * HOUR);
    const { context, logs: lines } = invocationContext();
    await deliver(timerInfo, context);
    logs.push(...lines);
    if ((await runtime.outbox.pending()).length === 0) return { runs, logs };
  }
  throw new Error(`outbox not empty after ${maxRuns} deliver runs: ${JSON.stringify(await runtime.outbox.pending()).slice(0, 500)}`);
}

/** Later traffic on every partition: node lease renewals two hours after the sample, which no detection selects. */
function laterTraffic(): HubBatch[] {
  return partitions.map((batches, p) => {
    const last = batches.at(-1) as HubBatch;
    const sequence = (last.metadata.sequenceNumberArray as number[]).at(-1) as number;
    const time = Date.parse("2026-11-20T12:00:00.000Z") + p * 1_000;
    const event = auditEvent({
      auditID: `7d3f0a2e-4b1c-4e8d-9a6f-00000000000${p}`,
      time,
      verb: "update",
      username: `system:node:aks-user-87654321-vmss00000${p}`,
      groups: ["system:nodes", "system:authenticated"],
      apiGroup: "coordination.k8s.io",
      resource: "leases",
      namespace: "kube-node-lease",
      name: `aks-user-87654321-vmss00000${p}`,
    });
    return {
      partition: last.partition,
      bodies: [eventHubMessage([aksRecord(event)])],
      metadata: eventHubTriggerMetadata({
        partitionId: last.partition,
        firstSequenceNumber: sequence + 1,
        count: 1,
        enqueuedAt: new Date(time + 2_000).toISOString(),
      }),
    };
  });
}

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await TcpProxy.start(azurite.port);
  const rows: IncidentRow[] = [];
  const result = await runReplay({
    inputs: [SAMPLE.pathname],
    store: new MemoryStateStore(),
    partitions: 1,
    batchSize: 100,
    clock: () => FIXED_NOW,
    onIncident: (row) => {
      rows.push(row);
    },
  });
  expect(result.aborted).toBe(false);
  baseline = comparable(rows);
  expect(baseline.length).toBeGreaterThan(0);
});

afterEach(async () => {
  await proxy.resume();
  await Promise.all([...apps.splice(0).map((app) => app.close()), ...servers.splice(0).map((server) => server.close())]);
});

afterAll(async () => {
  await proxy?.stop();
  await azurite?.stop();
});

describe("the Function app end to end (ingest → Table Storage → outbox → Logs Ingestion)", () => {
  test("two processes sharing one Azurite, two partitions each, concurrently: every revision arrives once, the outbox empties", async () => {
    const { stateTable } = freshTables();
    const server = await ingestionServer();
    const clock = new ManualClock();
    const processes = await Promise.all([0, 1].map(() => functionApp({ stateTable, server, clock: clock.date })));
    const handlers = processes.map((app) => createIngestHandler(app.runtime));
    // Partitions 0 and 1 belong to the first process, 2 and 3 to the second.
    const logs = await runPartitions(partitions, (partition) => handlers[Number(partition) < 2 ? 0 : 1] as IngestHandler);

    expect(warningsBesidesQuarantine(logs)).toEqual([]);
    expect(levelOf(logs, "error")).toEqual([]);
    expect(server.requests.every((request) => request.status === 204)).toBe(true);
    const emitted = await emittedIds(stateTable);
    expectDeliveredExactlyOnce(server.received as unknown as IncidentRow[], emitted);
    // What the handlers logged as emitted is what was committed, and what arrived.
    expect(loggedIncidents(logs).map(keyOf).sort()).toEqual(emitted);
    expect((await emissions(stateTable)).every((e) => e.status === "delivered")).toBe(true);
    for (const app of processes) expect(await app.runtime.outbox.pending()).toEqual([]);
    // The sample's truncated record went to the quarantine table, once.
    expect(await snapshot(azurite.connectionString, `${stateTable}q`)).toEqual([
      expect.objectContaining({ location: expect.stringMatching(/^partition \d sequence \d+ record \d+$/), reason: expect.stringContaining("not valid JSON") }),
    ]);
  });

  test("uploads failing beyond the SDK's retries stay in the outbox with their error; the deliver timer brings every one, once", async () => {
    const { stateTable } = freshTables();
    const clock = new ManualClock();
    const app = await functionApp({ stateTable, clock: clock.date, maxRetries: 1 });
    const faults: IngestionFault[] = [
      { kind: "status", status: 500 },
      { kind: "status", status: 503 },
      { kind: "throttle", retryAfterSeconds: 0.01 },
      { kind: "reset" },
      { kind: "slow", delayMs: 30 },
    ];
    app.server.setFaults({ random: { seed: 20261120, probability: 0.7, faults } });
    const handler = createIngestHandler(app.runtime);

    // Every invocation resolves: a failed upload is the deliver timer's business, not the hub's.
    const logs = await runInOrder(interleaved(partitions), handler);

    const notDelivered = warningsBesidesQuarantine(logs);
    expect(notDelivered.length).toBeGreaterThan(0);
    for (const warning of notDelivered) expect(warning).toMatch(/^\d+ incident rows not delivered yet, left to the deliver timer: /);
    const faulted = new Set(app.server.requests.map((request) => request.fault));
    for (const kind of ["status", "throttle", "reset", "slow"]) expect(faulted).toContain(kind);
    expect(duplicatesIn(app.received())).toEqual([]);
    const emitted = await emittedIds(stateTable);
    const failed = await app.runtime.outbox.pending();
    expect(failed.length).toBeGreaterThan(0);
    expect([...failed.map((row) => row.id), ...app.received().map(keyOf)].sort()).toEqual(emitted);
    for (const row of failed) {
      expect(row.attempts).toBe(1);
      expect(row.lastError).toMatch(/^HTTP 50[03] |^HTTP 429 |ECONNRESET|socket hang up/);
    }

    // Still failing when the timer first runs: each row counts another attempt, keeps the error, and backs off again.
    app.server.setFaults({ random: { seed: 1, probability: 1, faults: [{ kind: "status", status: 500 }] } });
    const deliver = createDeliverHandler(app.runtime);
    clock.advance(2 * HOUR);
    const stillFailing = invocationContext();
    await deliver(timerInfo, stillFailing.context);
    expect(levelOf(stillFailing.logs, "warning")).toEqual([
      `deliver: 0 incident rows delivered, ${failed.length} still pending; errors: HTTP 500 ServiceError: injected 500`,
    ]);
    const retried = await app.runtime.outbox.pending();
    expect(retried.map((row) => row.id).sort()).toEqual(failed.map((row) => row.id).sort());
    for (const row of retried) expect(row).toMatchObject({ attempts: 2, lastError: "HTTP 500 ServiceError: injected 500" });
    // Backed off: a second failure waits 30–60 s (half-jittered), so a timer run 29 s later leaves them alone.
    const requestsBefore = app.server.requests.length;
    clock.advance(29_000);
    const backedOff = invocationContext();
    await deliver(timerInfo, backedOff.context);
    expect(backedOff.logs).toEqual([]);
    expect(app.server.requests.length).toBe(requestsBefore);

    app.server.heal();
    const { runs, logs: deliverLogs } = await deliverUntilEmpty(app.runtime, clock);
    expect(runs).toBe(1);
    expect(levelOf(deliverLogs, "information")).toEqual([`deliver: ${failed.length} incident rows delivered, 0 still pending`]);
    expectDeliveredExactlyOnce(app.received(), emitted);
  });

  test("a crash between the outbox commit and the upload: a new process's deliver timer sends everything once the first lease ran out", async () => {
    const { stateTable } = freshTables();
    const clock = new ManualClock();
    const crashed = await functionApp({ stateTable, clock: clock.date });
    const committedAt = clock.ms;
    let committed = 0;
    // The pipeline commits state and outbox rows; the process dies before the handler uploads anything.
    for (const batch of interleaved(partitions)) {
      const { messages } = eventHubBatch(batch.bodies, batch.metadata);
      committed += (await crashed.runtime.pipelines.for(batch.partition).processMessages(messages)).incidents.length;
    }
    const emitted = await emittedIds(stateTable);
    expect(committed).toBe(emitted.length);
    expect(crashed.server.requests).toEqual([]);

    const restarted = await functionApp({ stateTable, clock: clock.date, server: crashed.server });
    expect((await restarted.runtime.outbox.pending()).map((row) => row.id).sort()).toEqual(emitted);
    const deliver = createDeliverHandler(restarted.runtime);
    // The dead process's lease still holds, to the millisecond: nothing goes, and the timer stays quiet.
    clock.ms = committedAt + FIRST_LEASE_MS;
    const early = invocationContext();
    await deliver(timerInfo, early.context);
    expect(early.logs).toEqual([]);
    expect(restarted.server.requests).toEqual([]);
    expect((await restarted.runtime.outbox.pending()).length).toBe(committed);

    clock.ms = committedAt + FIRST_LEASE_MS + 1;
    const due = invocationContext();
    await deliver(timerInfo, due.context);
    expect(due.logs.map((line) => `${line.level}: ${line.message}`)).toEqual([`information: deliver: ${committed} incident rows delivered, 0 still pending`]);
    expect(await restarted.runtime.outbox.pending()).toEqual([]);
    expectDeliveredExactlyOnce(restarted.received(), emitted);
    // Delivered is delivered: a later run finds nothing.
    clock.advance(2 * HOUR);
    await deliver(timerInfo, invocationContext().context);
    expect(restarted.received()).toHaveLength(committed);
  });

  test("Table Storage down mid-run: the handler rejects with a StateStoreError naming the operation; the host's retries then lose nothing", async () => {
    const { stateTable } = freshTables();
    const clock = new ManualClock();
    const app = await functionApp({ stateTable, clock: clock.date, connectionString: devConnectionString(proxy.port), tables: { retry: QUICK_RETRY } });
    const handler = createIngestHandler(app.runtime);
    const batches = interleaved(partitions);
    // The tables go down before the first batch of the second half that emits incidents (a dry run in memory tells which).
    const dryRun = new PartitionedPipelines({ store: new MemoryStateStore() });
    const emitting: number[] = [];
    for (const [i, batch] of batches.entries()) {
      const { incidents } = await dryRun.for(batch.partition).processMessages(eventHubBatch(batch.bodies, batch.metadata).messages);
      if (incidents.length > 0) emitting.push(i);
    }
    const down = emitting.find((i) => i >= batches.length / 2) as number;
    expect(down).toBeDefined();

    const logs: LogLine[] = [];
    const failures: unknown[] = [];
    for (const [i, batch] of batches.entries()) {
      if (i !== down) {
        logs.push(...(await invoke(handler, batch)));
        continue;
      }
      await proxy.pause();
      await invoke(handler, batch).then(
        () => failures.push(new Error("resolved while the tables were down")),
        (error: unknown) => failures.push(error),
      );
      // The host's retry policy (ingestTrigger.retry) runs the same batch again: once while the tables are still down, then after they are back.
      await invoke(handler, batch).then(
        () => failures.push(new Error("the retry resolved while the tables were down")),
        (error: unknown) => failures.push(error),
      );
      await proxy.resume();
      const retried = await invoke(handler, batch);
      // The batch's incidents were not lost with the failed invocations: the successful retry emits and uploads them.
      expect(loggedIncidents(retried).length).toBeGreaterThan(0);
      logs.push(...retried);
    }
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(StateStoreError);
      const error = failure as StateStoreError;
      expect(error.reason).toBe("unavailable");
      expect(["read", "mergeWrite"]).toContain(error.operation);
      expect(error.message).toMatch(
        new RegExp(`^state store ${error.operation} of \\d+ key\\(s\\) in table ${stateTable} failed \\(unavailable\\): .*ECONNREFUSED`),
      );
    }

    expect(warningsBesidesQuarantine(logs)).toEqual([]);
    expect(await app.runtime.outbox.pending()).toEqual([]);
    expectDeliveredExactlyOnce(app.received(), await emittedIds(stateTable));
  });

  test("every batch delivered twice, right away and again at the end: nothing arrives twice", async () => {
    const { stateTable } = freshTables();
    const app = await functionApp({ stateTable, clock: new ManualClock().date });
    const handler = createIngestHandler(app.runtime);
    const first: LogLine[] = [];
    const again: LogLine[] = [];
    await Promise.all(
      partitions.map(async (batches) => {
        for (const batch of batches) {
          first.push(...(await invoke(handler, batch)));
          again.push(...(await invoke(handler, batch)));
        }
      }),
    );
    const before = await snapshot(azurite.connectionString, stateTable);
    again.push(...(await runPartitions(partitions, () => handler)));

    const emitted = await emittedIds(stateTable);
    // Every emission logged once. A redelivery re-emits nothing; it may judge an order-sensitive sequence
    // anew (its precursor, from the other partition, is stored by then): a new revision, never a repeat.
    expect([...loggedIncidents(first), ...loggedIncidents(again)].map(keyOf).sort()).toEqual(emitted);
    expect(orderIndependent(loggedIncidents(again))).toEqual([]);
    // ETags included: the late redelivery wrote nothing at all.
    expect(await snapshot(azurite.connectionString, stateTable)).toEqual(before);
    expect(app.server.requests.every((request) => request.status === 204)).toBe(true);
    expect(await app.runtime.outbox.pending()).toEqual([]);
    expectDeliveredExactlyOnce(app.received(), emitted);
  });

  test("the sweep timer deletes expired state, never a pending outbox row, and sweeps nothing without recent progress", async () => {
    const { stateTable } = freshTables();
    // The wall clock (the test's start) is days past the sample's events.
    const clock = new ManualClock();
    const app = await functionApp({ stateTable, clock: clock.date, maxRetries: 0 });
    // The first upload fails: its rows stay pending.
    app.server.setFaults({ script: [{ kind: "status", status: 500 }] });
    const handler = createIngestHandler(app.runtime);
    await runInOrder(interleaved(partitions), handler);
    // The hub keeps flowing after the sample: each partition's progress moves two hours on, past the sample's windows.
    await runInOrder(laterTraffic(), handler);
    const pending = await app.runtime.outbox.pending();
    expect(pending.length).toBeGreaterThan(0);
    const emitted = await emittedIds(stateTable);

    const before = await snapshot(azurite.connectionString, stateTable);
    const sweep = createSweepHandler(app.runtime);
    const swept = invocationContext();
    await sweep(timerInfo, swept.context);
    const line = swept.logs.map((l) => l.message);
    expect(line).toEqual([expect.stringMatching(/^sweep: \d+ expired entities deleted, up to event time \S+ \(4 partitions\)$/)]);
    const [, count, upTo] = /^sweep: (\d+) expired entities deleted, up to event time (\S+) /.exec(line[0] as string) ?? [];
    const removed = Number(count);
    const watermark = Date.parse(upTo as string);
    // The slowest partition's recorded progress, not the wall clock.
    expect(upTo).toBe("2026-11-20T12:00:00.000Z");
    expect(removed).toBeGreaterThan(0);
    const after = await snapshot(azurite.connectionString, stateTable);
    expect(after.length).toBe(before.length - removed);
    // Exactly what had expired went; the pending rows stayed, untouched, though the state they came from expired.
    const identity = (entity: Record<string, unknown>) => `${entity.partitionKey}/${entity.rowKey}`;
    const kept = new Set(after.map(identity));
    const gone = before.filter((entity) => !kept.has(identity(entity)));
    for (const entity of gone) expect(Number(entity.expiresAt)).toBeLessThan(watermark);
    for (const entity of after) expect(Number(entity.expiresAt)).toBeGreaterThanOrEqual(watermark);
    const pendingBefore = before.filter((entity) => entity.status === "pending");
    expect(pendingBefore).toHaveLength(pending.length);
    expect(after.filter((entity) => entity.status === "pending")).toEqual(pendingBefore);
    for (const entity of pendingBefore) expect(Number(entity.stateExpiresAt)).toBeLessThan(watermark);
    expect(gone.filter((entity) => entity.status === "delivered")).toHaveLength(emitted.length - pending.length);
    expect((await app.runtime.outbox.pending()).map((row) => row.id).sort()).toEqual(pending.map((row) => row.id).sort());

    // The pending rows are still whole: the timer delivers them, and the workspace holds everything once.
    await deliverUntilEmpty(app.runtime, clock);
    expectDeliveredExactlyOnce(app.received(), emitted);

    // No partition heard from for hours (the clock moved on past them): nothing is swept, and the log says why.
    clock.advance(7 * HOUR);
    const idle = invocationContext();
    const tableBefore = await snapshot(azurite.connectionString, stateTable);
    await sweep(timerInfo, idle.context);
    expect(idle.logs.map((l) => l.message)).toEqual(["sweep: no partition has recorded progress in the last hours (4 known); nothing swept"]);
    expect(await snapshot(azurite.connectionString, stateTable)).toEqual(tableBefore);

    // Tables where no partition ever recorded progress: the same.
    const fresh = await functionApp({ ...freshTables(), server: app.server });
    const never = invocationContext();
    await createSweepHandler(fresh.runtime)(timerInfo, never.context);
    expect(never.logs.map((l) => l.message)).toEqual(["sweep: no partition has recorded progress in the last hours (0 known); nothing swept"]);
  });
});
