/**
 * EventHubPublisher with the real EventHubProducerClient over AMQP/TLS against the local Event Hubs
 * endpoint (test/support/eventHubServer.ts): what arrives, in which partition, in which order, in how
 * many transfers, and what happens on faults, limits and abort.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { Pipeline } from "../../pipeline/pipeline.js";
import { AKS_OPERATION_NAME, REPLAY_POD } from "../../pipeline/publish/aksRecord.js";
import { EventHubTargetError, EventTooLargeError } from "../../pipeline/publish/eventHubTargetError.js";
import type { SkippedInput } from "../../pipeline/publish/publishUnits.js";
import { aksRecord, DEFAULT_CLUSTER } from "../../scripts/synthetic/auditRecords.js";
import { azureDiagnosticsRow, eventList, logAnalyticsRow } from "../pipeline/inputs/envelopes.js";
import { EventHubServer, type EventHubServerOptions } from "../support/eventHubServer.js";
import { auditIdsOf, HUB, lines, OTHER_CLUSTER, publisherFor, rawEventLine, recordsOf, TestCredential, TOKEN } from "./publishKit.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SAMPLE_LINES = readFileSync(join(ROOT, "samples/aks-attack-story.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line !== "");

const servers: EventHubServer[] = [];
async function startServer(options: EventHubServerOptions = {}): Promise<EventHubServer> {
  const server = await EventHubServer.start({ hub: HUB, token: TOKEN, ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe("EventHubPublisher", () => {
  test("Event Hub messages go out byte for byte, once each, in input order on the cluster's partition", async () => {
    const server = await startServer();
    const credential = new TestCredential();
    const publisher = publisherFor(server, { credential });
    const result = await publisher.publish(lines(SAMPLE_LINES, "samples/aks-attack-story.jsonl"));
    await publisher.close();

    const records = SAMPLE_LINES.reduce((sum, line) => sum + (JSON.parse(line) as { records: unknown[] }).records.length, 0);
    expect(result).toMatchObject({ messages: SAMPLE_LINES.length, records, skipped: 0, aborted: false });
    expect(server.events.map((event) => event.body.toString("utf8"))).toEqual(SAMPLE_LINES);
    // One cluster, one partition key (its resource id, lower-cased), so one partition in input order.
    const partitions = new Set(server.events.map((event) => event.partition));
    expect([...partitions]).toEqual([server.partitionOf(DEFAULT_CLUSTER.toLowerCase())]);
    expect(server.events.map((event) => event.partitionKey)).toEqual(SAMPLE_LINES.map(() => DEFAULT_CLUSTER.toLowerCase()));
    expect(server.events.map((event) => event.sequenceNumber)).toEqual(SAMPLE_LINES.map((_, i) => i));
    // Authenticated as the SDK does with a TokenCredential: an Entra token for Event Hubs, put on $cbs per link.
    // (The double slash is the SDK's own scope constant.)
    expect(new Set(credential.scopes)).toEqual(new Set(["https://eventhubs.azure.net//.default"]));
    expect(server.tokens.map((put) => `${put.type} ${put.audience}`)).toContain(`jwt sb://myns.servicebus.windows.net/${HUB}`);
    expect(result.batches).toBe(server.transfers.length);
    expect(result.bytes).toBe(SAMPLE_LINES.reduce((sum, line) => sum + Buffer.byteLength(line), 0));
  });

  test("raw audit events are wrapped as AKS diagnostic settings wrap them, 100 records a message, and decode to the same events", async () => {
    const server = await startServer();
    const texts = Array.from({ length: 250 }, (_, i) => rawEventLine(i));
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER.toLowerCase() });
    const result = await publisher.publish(lines(texts));
    await publisher.close();

    expect(result).toMatchObject({ messages: 3, records: 250 });
    expect(server.events.map((event) => recordsOf(event.body).length)).toEqual([100, 100, 50]);
    const first = recordsOf(server.events[0]?.body as Buffer)[0];
    expect(first).toEqual({
      time: (JSON.parse(texts[0] as string) as { stageTimestamp: string }).stageTimestamp,
      resourceId: DEFAULT_CLUSTER,
      category: "kube-audit",
      operationName: AKS_OPERATION_NAME,
      properties: { log: `${texts[0]}\n`, stream: "stdout", pod: REPLAY_POD },
    });
    const logs = server.events.flatMap((event) => recordsOf(event.body).map((record) => (record.properties as { log: string }).log));
    expect(logs).toEqual(texts.map((text) => `${text}\n`));
    // What the Function will decode from these messages is what a replay of the raw log decodes.
    const decoded = new Pipeline().decode(server.events.map((event, i) => ({ body: event.body, location: { source: "eventhub", sequenceNumber: i } })));
    expect(decoded.stats).toMatchObject({ records: 250, quarantined: 0 });
  });

  test("archive lines (single records, any category) are grouped into messages, each record kept byte for byte", async () => {
    const server = await startServer();
    const records = SAMPLE_LINES.slice(0, 3).flatMap((line) => (JSON.parse(line) as { records: unknown[] }).records);
    const archive = records.map((record) => JSON.stringify(record));
    const publisher = publisherFor(server);
    const result = await publisher.publish(lines(archive, "PT1H.json"));
    await publisher.close();

    const bodies = server.events.map((event) => event.body.toString("utf8"));
    const expected: string[] = [];
    for (let i = 0; i < archive.length; i += 100) expected.push(`{"records":[${archive.slice(i, i + 100).join(",")}]}`);
    expect(bodies).toEqual(expected);
    expect(result.records).toBe(archive.length);
  });

  test("EventLists and Log Analytics exports (AKSAudit, AzureDiagnostics) become AKS records of their own cluster and category", async () => {
    const server = await startServer();
    const events = Array.from({ length: 6 }, (_, i) => JSON.parse(rawEventLine(i)) as Record<string, unknown>);
    // Whole JSON documents, as the replay reads a file that is not JSON lines: already parsed.
    const documents = [
      { body: eventList(events.slice(0, 2)), location: { source: "events.json", line: 1 } },
      {
        body: [logAnalyticsRow(events[2] as Record<string, unknown>, { type: "AKSAuditAdmin", resourceId: OTHER_CLUSTER })],
        location: { source: "la.json", line: 1 },
      },
      {
        body: [azureDiagnosticsRow(events[3]), azureDiagnosticsRow(events[4], { category: "kube-apiserver" }), azureDiagnosticsRow(events[5])],
        location: { source: "ad.json", line: 1 },
      },
    ];
    const skipped: SkippedInput[] = [];
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER });
    const result = await publisher.publish(documents, { onSkip: (skip) => skipped.push(skip) });
    await publisher.close();

    expect(skipped).toEqual([{ location: "ad.json:1 record 1", reason: "category kube-apiserver is not an audit category" }]);
    expect(result.records).toBe(5);
    const received = server.events.flatMap((event) => recordsOf(event.body));
    const summary = received.map((record) => {
      const log = JSON.parse((record.properties as { log: string }).log) as { auditID: string };
      return `${log.auditID} ${String(record.category)} ${String(record.resourceId)}`;
    });
    const idOf = (i: number) => String((events[i] as { auditID: string }).auditID);
    expect(summary.sort()).toEqual(
      [
        `${idOf(0)} kube-audit ${DEFAULT_CLUSTER}`,
        `${idOf(1)} kube-audit ${DEFAULT_CLUSTER}`,
        `${idOf(2)} kube-audit-admin ${OTHER_CLUSTER}`,
        `${idOf(3)} kube-audit ${DEFAULT_CLUSTER}`,
        `${idOf(5)} kube-audit ${DEFAULT_CLUSTER}`,
      ].sort(),
    );
    // The other cluster's record went to that cluster's partition key.
    expect(server.events.filter((event) => event.partitionKey === OTHER_CLUSTER.toLowerCase()).length).toBe(1);
  });

  test("clusters get a partition each and keep their order; with partitionBy service messages carry no key and spread", async () => {
    const server = await startServer({ partitions: 8 });
    const clusters = [DEFAULT_CLUSTER, OTHER_CLUSTER];
    const messages = Array.from({ length: 40 }, (_, i) => {
      const resourceId = clusters[i % 2] as string;
      const event = JSON.parse(rawEventLine(i)) as Record<string, unknown>;
      return JSON.stringify({ records: [aksRecord(event, { resourceId })] });
    });
    const keyed = publisherFor(server, { maxInFlight: 4 });
    await keyed.publish(lines(messages, "hub.jsonl"));
    await keyed.close();
    for (const cluster of clusters) {
      const partition = server.partitionOf(cluster.toLowerCase());
      const mine = messages.filter((message) => message.includes(cluster));
      expect(server.eventsIn(partition).map((event) => event.body.toString("utf8"))).toEqual(mine);
    }

    const spread = await startServer({ partitions: 4, maxMessageSize: 2048 });
    const unkeyed = publisherFor(spread, { partitionBy: "service", maxInFlight: 3 });
    await unkeyed.publish(lines(messages, "hub.jsonl"));
    await unkeyed.close();
    expect(spread.events.every((event) => event.partitionKey === undefined)).toBe(true);
    expect(spread.events.map((event) => event.body.toString("utf8")).sort()).toEqual([...messages].sort());
    expect(new Set(spread.events.map((event) => event.partition)).size).toBe(4);
  });

  test("batches are sized by the hub's max-message-size: many small events make several batches, none over it", async () => {
    const server = await startServer({ maxMessageSize: 16 * 1024 });
    const texts = Array.from({ length: 400 }, (_, i) => rawEventLine(i));
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER, maxRecordsPerMessage: 5 });
    const result = await publisher.publish(lines(texts));
    await publisher.close();

    expect(server.transfers.length).toBeGreaterThan(5);
    expect(server.transfers.every((transfer) => transfer.bytes <= 16 * 1024)).toBe(true);
    expect(server.transfers.slice(0, -1).every((transfer) => transfer.events > 1)).toBe(true);
    expect(result).toMatchObject({ messages: 80, records: 400, batches: server.transfers.length });
    expect(auditIdsOf(server.events.map((event) => event.body))).toEqual(texts.map((text) => (JSON.parse(text) as { auditID: string }).auditID));
  });

  test("a record too large for an empty batch is an error naming its place; what came before it was sent", async () => {
    const server = await startServer({ maxMessageSize: 8 * 1024 });
    const texts = [rawEventLine(0), rawEventLine(1), rawEventLine(2, 2, 9000), rawEventLine(3)];
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER });
    const failure = await publisher.publish(lines(texts, "big/audit.log")).catch((error: unknown) => error);
    await publisher.close();
    expect(failure).toBeInstanceOf(EventTooLargeError);
    expect(failure).toMatchObject({ location: "big/audit.log:3", maxBytes: 8 * 1024 });
    expect((failure as Error).message).toMatch(/^big\/audit\.log:3: a message of \d+ bytes does not fit in one Event Hubs batch/);
    // The two events before it were grouped with it, then split off and sent.
    expect(auditIdsOf(server.events.map((event) => event.body))).toEqual(texts.slice(0, 2).map((text) => (JSON.parse(text) as { auditID: string }).auditID));

    const envelope = JSON.stringify({ records: [aksRecord(JSON.parse(rawEventLine(4, 4, 9000)) as Record<string, unknown>)] });
    const again = publisherFor(server);
    await expect(again.publish(lines([envelope], "hub.jsonl"))).rejects.toMatchObject({ name: "EventTooLargeError", location: "hub.jsonl:1" });
    await again.close();
  });

  test("input that is not audit data is skipped with its place; a raw event with no cluster to name is an error", async () => {
    const server = await startServer();
    const skipped: SkippedInput[] = [];
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER });
    const result = await publisher.publish(
      lines([rawEventLine(0), "I0109 21:24:54.475483 1 clusterstate.go:300] not json", '{"hello":"world"}', rawEventLine(1)]),
      {
        onSkip: (skip) => skipped.push(skip),
      },
    );
    await publisher.close();
    expect(result).toMatchObject({ records: 2, skipped: 2 });
    expect(skipped.map((skip) => skip.location)).toEqual(["audit.log:2", "audit.log:3"]);
    expect(skipped[0]?.reason).toMatch(/^not valid JSON/);
    expect(skipped[1]?.reason).toMatch(/not an audit record/);

    const noCluster = publisherFor(server);
    await expect(noCluster.publish(lines([rawEventLine(0)], "raw.log"))).rejects.toThrow(
      new EventHubTargetError("raw.log:1: the audit event names no cluster (a raw kube-apiserver audit log?); give the cluster's resource id (--cluster)"),
    );
    await noCluster.close();
  });

  test("a hub that does not exist, or a refused token, fails before any input is read", async () => {
    const server = await startServer();
    let read = 0;
    async function* input() {
      read++;
      yield { body: rawEventLine(0), location: { source: "audit.log", line: 1 } };
    }
    const missing = publisherFor(server, { address: "myns.servicebus.windows.net/no-such-hub" });
    await expect(missing.publish(input())).rejects.toThrow(/^cannot publish to myns\.servicebus\.windows\.net\/no-such-hub: MessagingEntityNotFoundError/);
    await missing.close();

    const refusing = await startServer({ token: "another-token" });
    const refused = publisherFor(refusing, { clientOptions: { retryOptions: { maxRetries: 0 } } });
    await expect(refused.publish(input())).rejects.toBeInstanceOf(EventHubTargetError);
    await refused.close();
    expect(read).toBe(0);
  });
});

describe("faults and retries", () => {
  test("a send the hub refuses as busy, and a link it detaches, are retried: every record arrives exactly once, in order", async () => {
    // The server stores nothing from a transfer it rejects or detaches on, so a retried send must add each event once.
    // (The SDK promises at-least-once: a batch the hub stored but whose acknowledgement was lost would be sent again.)
    const server = await startServer({
      maxMessageSize: 8 * 1024,
      faults: [
        { transfer: 1, kind: "server-busy" },
        { transfer: 4, kind: "detach" },
      ],
    });
    const texts = Array.from({ length: 120 }, (_, i) => rawEventLine(i));
    // The SDK notices a detached link only when the send times out, then retries on a new link: keep that short.
    const publisher = publisherFor(server, {
      clusterResourceId: DEFAULT_CLUSTER,
      clientOptions: { retryOptions: { maxRetries: 3, retryDelayInMs: 20, timeoutInMs: 2000 } },
    });
    const result = await publisher.publish(lines(texts));
    await publisher.close();

    expect(server.transfers.map((transfer) => transfer.outcome).slice(0, 5)).toEqual(["server-busy", "accepted", "accepted", "detach", "accepted"]);
    const ids = auditIdsOf(server.events.map((event) => event.body));
    expect(ids).toEqual(texts.map((text) => (JSON.parse(text) as { auditID: string }).auditID));
    expect(result.records).toBe(120);
    expect(result.batches).toBe(server.transfers.filter((transfer) => transfer.outcome === "accepted").length);
  });

  test("a hub that stays busy fails the publish with the place of the batch, after the SDK's retries", async () => {
    const server = await startServer({ faults: [1, 2, 3].map((transfer) => ({ transfer, kind: "server-busy" as const })) });
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER, clientOptions: { retryOptions: { maxRetries: 2, retryDelayInMs: 10 } } });
    const failure = await publisher.publish(lines([rawEventLine(0)], "busy.log")).catch((error: unknown) => error);
    await publisher.close();
    expect(failure).toBeInstanceOf(EventHubTargetError);
    expect((failure as Error).message).toMatch(
      /^sending 1 message \(from busy\.log:1\) to myns\.servicebus\.windows\.net\/kube-audit failed after the SDK's retries: ServerBusyError: .* \(after 3 attempts\)$/,
    );
    expect(server.events).toEqual([]);
  });
});

describe("flow", () => {
  test("backpressure: no more than maxInFlight sends under way, and input is not read far ahead of them", async () => {
    const server = await startServer({ maxMessageSize: 16 * 1024, partitions: 8 });
    const release = server.holdSettlements();
    const clusters = Array.from({ length: 6 }, (_, c) => DEFAULT_CLUSTER.replace("AKS-PROD-WEU", `AKS-${c}`));
    let pulled = 0;
    async function* input() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        const event = JSON.parse(rawEventLine(i)) as Record<string, unknown>;
        yield { body: JSON.stringify(aksRecord(event, { resourceId: clusters[i % clusters.length] })), location: { source: "PT1H.json", line: i + 1 } };
      }
    }
    const publisher = publisherFor(server, { maxInFlight: 2 });
    const publishing = publisher.publish(input());
    await until(() => server.maxUnsettled >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.maxUnsettled).toBe(2);
    // Two batches held by the hub, the open ones (one per cluster), one message being added: a few hundred records at most.
    expect(pulled).toBeLessThan(300);
    release();
    const result = await publishing;
    await publisher.close();
    expect(server.maxUnsettled).toBe(2);
    expect(result.records).toBe(1000);
    expect(server.events.length).toBe(result.messages);
  });

  test("abort stops reading, lets the sends under way finish, and reports exactly what the hub has", async () => {
    const server = await startServer({ maxMessageSize: 8 * 1024 });
    const abort = new AbortController();
    let pulled = 0;
    async function* input() {
      for (let i = 0; i < 5000; i++) {
        pulled++;
        yield { body: rawEventLine(i), location: { source: "audit.log", line: i + 1 } };
      }
    }
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER });
    const result = await publisher.publish(input(), { signal: abort.signal, onProgress: () => abort.abort() });
    await publisher.close();
    expect(result.aborted).toBe(true);
    expect(pulled).toBeLessThan(5000);
    expect(result.messages).toBeGreaterThan(0);
    expect(server.events.length).toBe(result.messages);
    const ids = auditIdsOf(server.events.map((event) => event.body));
    expect(ids.length).toBe(result.records);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
