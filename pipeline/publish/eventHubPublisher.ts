/**
 * Publishes replay input to an Event Hub the way AKS diagnostic settings do, so a deployed stack can be
 * tested end to end: input messages → units (publishUnits) → paced by --rate / --speed (Pacer) → AKS
 * messages (RecordGrouper) → EventDataBatches (BatchSender) → `EventHubProducerClient` with a TokenCredential.
 *
 * Partitioning (`partitionBy`): AKS sets no partition key, so the hub spreads a cluster's messages over
 * all partitions and their order is lost between partitions. The default, `cluster`, uses the cluster's
 * resource id as the partition key instead: the service hashes a key to one partition, so one cluster's
 * events arrive in input order (each key's batches are sent one at a time, so a retry is never overtaken),
 * and several clusters still spread over the partitions. `service` sends without a key, as AKS does, and
 * lets up to `maxInFlight` sends run at once, in no particular order.
 */
import { type EventHubClientOptions, EventHubProducerClient, type TokenCredential } from "@azure/event-hubs";
import type { InputMessage } from "../pipeline.js";
import { BatchSender } from "./batchSender.js";
import { type Clock, systemClock } from "./clock.js";
import { describeError } from "./describeError.js";
import { type EventHubAddress, formatEventHubAddress, parseEventHubAddress } from "./eventHubAddress.js";
import { EventHubTargetError } from "./eventHubTargetError.js";
import { Pacer } from "./pacer.js";
import { type PartitionBy, type SkippedInput, toPublishUnits } from "./publishUnits.js";
import { type OutgoingMessage, RecordGrouper } from "./recordGrouper.js";

export interface EventHubPublisherOptions {
  /** `<namespace>/<hub>` (see parseEventHubAddress) or the parsed address. */
  readonly address: string | EventHubAddress;
  readonly credential: TokenCredential;
  /** Passed to the SDK client: `retryOptions`, `customEndpointAddress` (overrides one from the address), `webSocketOptions`. */
  readonly clientOptions?: Pick<EventHubClientOptions, "retryOptions" | "customEndpointAddress" | "webSocketOptions" | "userAgent">;
  /** The cluster for audit events whose envelope names none (a raw kube-apiserver audit.log). */
  readonly clusterResourceId?: string;
  readonly partitionBy?: PartitionBy;
  /** At most this many records (audit events) per second. */
  readonly rate?: number;
  /** Replay in event time compressed by this factor (60: an hour of logs per minute). */
  readonly speed?: number;
  /** Sends under way at once (default 4). */
  readonly maxInFlight?: number;
  /** Records per AKS message built from single records (default 100, as in the bundled sample). */
  readonly maxRecordsPerMessage?: number;
  /** Bytes per AKS message built from single records (default 256 KiB, the Basic tier's event limit). */
  readonly maxMessageBytes?: number;
  /** While pacing, the longest a partly filled batch waits before it is sent (default 250 ms). */
  readonly maxBatchDelayMs?: number;
  readonly clock?: Clock;
}

export interface PublishProgress {
  /** Event Hubs messages (events) acknowledged by the hub. */
  readonly messages: number;
  /** Records (audit events and other diagnostic records) in them. */
  readonly records: number;
  /** Message body bytes. */
  readonly bytes: number;
}

export interface PublishHooks {
  /** Stops reading input; sends under way complete, partly filled batches are dropped. */
  readonly signal?: AbortSignal;
  /** After each acknowledged send, with the running totals. */
  readonly onProgress?: (progress: PublishProgress) => void;
  /** Input that is not published (not JSON, not audit data), with where it was and why. */
  readonly onSkip?: (skipped: SkippedInput) => void;
}

export interface PublishResult extends PublishProgress {
  /** Acknowledged sends. */
  readonly batches: number;
  readonly skipped: number;
  readonly aborted: boolean;
}

/** Waits shorter than this are not slept but carried into the next unit's wait (no busy sub-millisecond sleeps). */
const MIN_SLEEP_MS = 10;
const MAX_OPEN = 16;

export class EventHubPublisher {
  readonly address: EventHubAddress;
  private readonly client: EventHubProducerClient;

  constructor(private readonly options: EventHubPublisherOptions) {
    this.address = typeof options.address === "string" ? parseEventHubAddress(options.address) : options.address;
    // The client connects on first use: constructing it does no I/O.
    const customEndpointAddress = options.clientOptions?.customEndpointAddress ?? this.address.customEndpointAddress;
    this.client = new EventHubProducerClient(this.address.fullyQualifiedNamespace, this.address.eventHubName, options.credential, {
      ...options.clientOptions,
      ...(customEndpointAddress ? { customEndpointAddress } : {}),
    });
  }

  get target(): string {
    return formatEventHubAddress(this.address);
  }

  async publish(messages: AsyncIterable<InputMessage> | Iterable<InputMessage>, hooks: PublishHooks = {}): Promise<PublishResult> {
    const { signal, onProgress, onSkip } = hooks;
    const clock = this.options.clock ?? systemClock;
    const partitionBy = this.options.partitionBy ?? "cluster";
    const pacer = new Pacer({ rate: this.options.rate, speed: this.options.speed });
    const maxBatchDelayMs = this.options.maxBatchDelayMs ?? 250;
    const totals = { messages: 0, records: 0, bytes: 0, batches: 0, skipped: 0 };
    const sender = new BatchSender({
      producer: this.client,
      target: this.target,
      maxInFlight: this.options.maxInFlight ?? 4,
      maxOpenBatches: MAX_OPEN,
      ordered: partitionBy === "cluster",
      onSent: (sent) => {
        totals.messages += sent.messages;
        totals.records += sent.records;
        totals.bytes += sent.bytes;
        totals.batches++;
        onProgress?.({ messages: totals.messages, records: totals.records, bytes: totals.bytes });
      },
    });
    const maxBytes = await this.open();
    const grouper = new RecordGrouper({
      // With --rate, a message of more records than a second's worth would go out as one burst.
      maxRecords: Math.max(1, Math.min(this.options.maxRecordsPerMessage ?? 100, Math.ceil(this.options.rate ?? Number.POSITIVE_INFINITY))),
      // Grouped messages fit a batch of their own with room for the AMQP framing; one that does not is split.
      maxBytes: Math.min(this.options.maxMessageBytes ?? 256 * 1024, maxBytes - 512),
      maxOpenGroups: MAX_OPEN,
    });
    const sendAll = async (outgoing: OutgoingMessage[]) => {
      for (const message of outgoing) await sender.add(message);
    };
    let lastFlush = clock.now();
    const flush = async () => {
      await sendAll(grouper.flush());
      await sender.flush();
      lastFlush = clock.now();
    };

    let aborted = false;
    try {
      read: for await (const message of messages) {
        if (signal?.aborted) break;
        const { units, skipped } = toPublishUnits(message, { clusterResourceId: this.options.clusterResourceId, partitionBy, now: () => new Date() });
        for (const skip of skipped) {
          totals.skipped++;
          onSkip?.(skip);
        }
        for (const unit of units) {
          if (signal?.aborted) break read;
          if (pacer.paced) {
            const wait = pacer.delay(unit.kind === "message" ? unit.records : 1, unit.time, clock.now());
            if (wait >= MIN_SLEEP_MS) {
              // What is ready goes out before a long wait (or after a while of short ones), not when the batch fills.
              if (wait >= maxBatchDelayMs || clock.now() - lastFlush >= maxBatchDelayMs) await flush();
              await clock.sleep(wait, signal);
              if (signal?.aborted) break read;
            }
          }
          await sendAll(unit.kind === "message" ? grouper.passThrough(unit) : grouper.add(unit));
        }
      }
      aborted = signal?.aborted === true;
      if (!aborted) await flush();
    } catch (error) {
      // Sends under way complete before the error is reported; their outcome is counted, not lost.
      sender.discard();
      await sender.drain().catch(() => undefined);
      throw error;
    }
    if (aborted) sender.discard();
    await sender.drain();
    return { ...totals, aborted };
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Fails early, before any input is read, on a hub that is not there or a credential it refuses; returns its max batch size. */
  private async open(): Promise<number> {
    try {
      await this.client.getEventHubProperties();
      // A batch is sized by the send link's max-message-size: the first one tells how large a message may be.
      return (await this.client.createBatch()).maxSizeInBytes;
    } catch (error) {
      throw new EventHubTargetError(`cannot publish to ${this.target}: ${describeError(error)}`, { cause: error });
    }
  }
}
