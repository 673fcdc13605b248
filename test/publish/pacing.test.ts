/**
 * --rate and --speed, in virtual time (an injected clock that only moves when slept), with the real SDK
 * client sending to the local Event Hubs endpoint: when records are acknowledged against when they were due.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { DEFAULT_CLUSTER } from "../../scripts/synthetic/auditRecords.js";
import { EventHubServer } from "../support/eventHubServer.js";
import { auditIdsOf, HUB, lines, publisherFor, rawEventLine, TOKEN, VirtualClock } from "./publishKit.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SAMPLE_LINES = readFileSync(join(ROOT, "samples/aks-attack-story.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line !== "");

const servers: EventHubServer[] = [];
async function startServer(): Promise<EventHubServer> {
  const server = await EventHubServer.start({ hub: HUB, token: TOKEN });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Sample {
  readonly at: number;
  readonly records: number;
}

describe("pacing", () => {
  test("--rate counts records: 500 events at 100/s take 4.9 s after a tenth of a second's burst, sent in steady batches", async () => {
    const server = await startServer();
    const clock = new VirtualClock();
    const samples: Sample[] = [];
    const texts = Array.from({ length: 500 }, (_, i) => rawEventLine(i));
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER, rate: 100, clock });
    const result = await publisher.publish(lines(texts), { onProgress: (p) => samples.push({ at: clock.now(), records: p.records }) });
    await publisher.close();

    expect(result.records).toBe(500);
    expect(auditIdsOf(server.events.map((event) => event.body))).toHaveLength(500);
    expect(clock.time).toBeGreaterThanOrEqual(4900);
    expect(clock.time).toBeLessThan(5000);
    // Never ahead of the bucket: 10 tokens to start with, 100 more each second.
    for (const sample of samples) expect(sample.records).toBeLessThanOrEqual(10 + Math.floor(sample.at / 10) + 1);
    // Spread over the 5 s (a partial batch waits at most 250 ms), not one burst at the end, nor a send per record.
    expect(result.batches).toBeGreaterThanOrEqual(15);
    expect(result.batches).toBeLessThanOrEqual(30);
    expect(clock.sleeps.every((ms) => ms >= 10)).toBe(true);
  });

  test("--rate on Event Hub messages counts their records, not the messages", async () => {
    const server = await startServer();
    const clock = new VirtualClock();
    const records = SAMPLE_LINES.reduce((sum, line) => sum + (JSON.parse(line) as { records: unknown[] }).records.length, 0);
    const publisher = publisherFor(server, { rate: 1000, clock });
    const result = await publisher.publish(lines(SAMPLE_LINES, "sample.jsonl"));
    await publisher.close();
    expect(result).toMatchObject({ messages: SAMPLE_LINES.length, records });
    // 100 records of burst, then 1000 a second; the last message's records are waited off before it goes.
    const last = (JSON.parse(SAMPLE_LINES.at(-1) as string) as { records: unknown[] }).records.length;
    expect(clock.time).toBeGreaterThanOrEqual(((records - last - 100) / 1000) * 1000);
    expect(clock.time).toBeLessThanOrEqual(((records - 100) / 1000) * 1000 + 10);
    expect(server.events.map((event) => event.body.toString("utf8"))).toEqual(SAMPLE_LINES);
  });

  test("--speed 60 plays an hour of events in a minute, none before its time", async () => {
    const server = await startServer();
    const clock = new VirtualClock();
    const samples: Sample[] = [];
    // One event a minute for an hour.
    const texts = Array.from({ length: 61 }, (_, i) => rawEventLine(i, i * 60));
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER, speed: 60, clock });
    const result = await publisher.publish(lines(texts), { onProgress: (p) => samples.push({ at: clock.now(), records: p.records }) });
    await publisher.close();

    expect(result.records).toBe(61);
    expect(clock.time).toBeGreaterThanOrEqual(60_000);
    expect(clock.time).toBeLessThan(61_000);
    // The k-th event is due k seconds in: by virtual time t, at most floor(t / 1 s) + 1 events are out.
    for (const sample of samples) expect(sample.records).toBeLessThanOrEqual(Math.floor(sample.at / 1000) + 1);
    // A wait of a second is long enough to send what is ready first: one message a minute of logs.
    expect(result.messages).toBe(61);
    expect(auditIdsOf(server.events.map((event) => event.body))).toEqual(texts.map((text) => (JSON.parse(text) as { auditID: string }).auditID));
  });

  test("abort during a long --speed wait returns at once with what was sent", async () => {
    const server = await startServer();
    const abort = new AbortController();
    const texts = [rawEventLine(0, 0), rawEventLine(1, 3600)];
    // The real clock: the second event is due in an hour (speed 1); abort a moment after the first is acknowledged.
    const publisher = publisherFor(server, { clusterResourceId: DEFAULT_CLUSTER, speed: 1 });
    const started = Date.now();
    const result = await publisher.publish(lines(texts), { signal: abort.signal, onProgress: () => setTimeout(() => abort.abort(), 50) });
    await publisher.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ aborted: true, records: 1 });
    expect(server.events).toHaveLength(1);
  });
});
