/** Shared pieces of the publish tests: a server per test, a publisher wired to it, inputs, a virtual clock. */
import type { TokenCredential } from "@azure/event-hubs";
import type { InputMessage } from "../../pipeline/pipeline.js";
import type { Clock } from "../../pipeline/publish/clock.js";
import { EventHubPublisher, type EventHubPublisherOptions } from "../../pipeline/publish/eventHubPublisher.js";
import { auditEvent, DEFAULT_CLUSTER } from "../../scripts/synthetic/auditRecords.js";
import type { EventHubServer } from "../support/eventHubServer.js";

export const TOKEN = "token-for-eventhub-tests";
export const HUB = "kube-audit";
export const T0 = Date.parse("2025-03-01T10:00:00Z");
export const OTHER_CLUSTER = DEFAULT_CLUSTER.replace("AKS-PROD-WEU", "AKS-DEV-NEU");

/** A TokenCredential that hands out TOKEN and remembers the scopes it was asked for. */
export class TestCredential implements TokenCredential {
  readonly scopes: string[] = [];
  async getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

/** A publisher for `server`, over TLS, with quick SDK retries. */
export function publisherFor(server: EventHubServer, options: Partial<EventHubPublisherOptions> = {}): EventHubPublisher {
  return new EventHubPublisher({
    address: `myns/${HUB}`,
    credential: new TestCredential(),
    ...options,
    clientOptions: { ...server.clientOptions(), retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 100 }, ...options.clientOptions },
  });
}

/** A raw kube-apiserver audit.log line: one `audit.k8s.io/v1` Event, `seconds` after T0. */
export function rawEventLine(i: number, seconds = i, padding = 0): string {
  return JSON.stringify(
    auditEvent({
      auditID: `00000000-0000-4000-a000-${String(i).padStart(12, "0")}`,
      time: T0 + seconds * 1000,
      verb: "get",
      username: `user-${i}@contoso.com`,
      resource: "configmaps",
      namespace: "default",
      name: `cm-${i}${"x".repeat(padding)}`,
    }),
  );
}

export function lines(texts: readonly string[], source = "audit.log"): InputMessage[] {
  return texts.map((body, i) => ({ body, location: { source, line: i + 1 } }));
}

/** Time that moves only when slept: --rate and --speed tests run in virtual time. */
export class VirtualClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.sleeps.push(ms);
    this.time += ms;
    // Let real I/O (the sends) make progress between virtual sleeps.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The records of a received AKS message body. */
export function recordsOf(body: Buffer): Record<string, unknown>[] {
  return (JSON.parse(body.toString("utf8")) as { records: Record<string, unknown>[] }).records;
}

/** The auditIDs carried by received bodies, in order (each record's properties.log parsed). */
export function auditIdsOf(bodies: readonly Buffer[]): string[] {
  return bodies.flatMap((body) => recordsOf(body).map((record) => (JSON.parse((record.properties as { log: string }).log) as { auditID: string }).auditID));
}
