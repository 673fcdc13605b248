/**
 * Packs outgoing messages into `EventDataBatch`es (one open batch per partition key, sized by the hub's
 * `max-message-size`) and sends a batch when the next message no longer fits. Backpressure: at most
 * `maxInFlight` sends are under way (or queued behind one) at once, and `add` waits for a free slot, so
 * memory stays at a few batches whatever the input's size. With `ordered`, a key's batches are sent one
 * after the other: a retried send can never be overtaken by the next one, so a key's partition receives
 * the messages in input order.
 */
import type { EventDataBatch, EventHubProducerClient } from "@azure/event-hubs";
import { describeError } from "./describeError.js";
import { EventHubTargetError, EventTooLargeError } from "./eventHubTargetError.js";
import type { OutgoingMessage } from "./recordGrouper.js";

export type BatchProducer = Pick<EventHubProducerClient, "createBatch" | "sendBatch">;

/** What one acknowledged send carried. */
export interface SentBatch {
  readonly messages: number;
  readonly records: number;
  /** Message bodies, summed. */
  readonly bytes: number;
}

export interface BatchSenderOptions {
  readonly producer: BatchProducer;
  /** `<namespace>/<hub>`, for error messages. */
  readonly target: string;
  readonly maxInFlight: number;
  readonly maxOpenBatches: number;
  /** Send each key's batches in order, one at a time (keys are partition keys). */
  readonly ordered: boolean;
  readonly onSent: (sent: SentBatch) => void;
}

interface OpenBatch {
  readonly key: string | undefined;
  readonly batch: EventDataBatch;
  readonly firstLocation: string;
  records: number;
  bytes: number;
}

export class BatchSender {
  private readonly open = new Map<string | undefined, OpenBatch>();
  private readonly tails = new Map<string | undefined, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(private readonly options: BatchSenderOptions) {}

  /** Adds a message, sending the batch it no longer fits in; waits while `maxInFlight` sends are under way. */
  async add(message: OutgoingMessage): Promise<void> {
    this.throwIfFailed();
    const open = this.open.get(message.key) ?? (await this.openBatch(message.key, message.location));
    if (open.batch.tryAdd({ body: message.body })) {
      open.records += message.records;
      open.bytes += message.body.length;
      return;
    }
    if (open.batch.count === 0) {
      const halves = message.split();
      if (!halves) throw new EventTooLargeError(message.location, message.body.length, open.batch.maxSizeInBytes);
      for (const half of halves) await this.add(half);
      return;
    }
    await this.dispatch(open);
    await this.add(message);
  }

  /** Sends every open batch (without waiting for the sends to complete). */
  async flush(): Promise<void> {
    for (const open of [...this.open.values()]) await this.dispatch(open);
  }

  /** Drops the open batches unsent (stopping early). */
  discard(): void {
    this.open.clear();
  }

  /** Waits until every send under way has completed; throws the first send that failed. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private async openBatch(key: string | undefined, location: string): Promise<OpenBatch> {
    if (this.open.size >= this.options.maxOpenBatches) await this.dispatch(this.open.values().next().value as OpenBatch);
    const batch = await this.options.producer.createBatch(key === undefined ? {} : { partitionKey: key });
    const open: OpenBatch = { key, batch, firstLocation: location, records: 0, bytes: 0 };
    this.open.set(key, open);
    return open;
  }

  private async dispatch(open: OpenBatch): Promise<void> {
    if (this.open.get(open.key) === open) this.open.delete(open.key);
    if (open.batch.count === 0) return;
    while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
    const previous = this.options.ordered ? this.tails.get(open.key) : undefined;
    const send = this.send(open, previous);
    this.inFlight.add(send);
    void send.then(() => {
      this.inFlight.delete(send);
      if (this.tails.get(open.key) === send) this.tails.delete(open.key);
    });
    if (this.options.ordered) this.tails.set(open.key, send);
  }

  /** Never rejects: a failure is kept, and later adds, flushes and drains throw it. */
  private async send(open: OpenBatch, previous: Promise<void> | undefined): Promise<void> {
    if (previous) await previous;
    // After a failure nothing more is sent: a key's later batches would land after a gap.
    if (this.failure) return;
    const count = open.batch.count;
    try {
      await this.options.producer.sendBatch(open.batch);
    } catch (error) {
      this.failure ??= new EventHubTargetError(
        `sending ${count} message${count === 1 ? "" : "s"} (from ${open.firstLocation}) to ${this.options.target} failed after the SDK's retries: ${describeError(error)}`,
        { cause: error },
      );
      return;
    }
    try {
      this.options.onSent({ messages: count, records: open.records, bytes: open.bytes });
    } catch (error) {
      // A progress callback that throws stops the publish like a failed send, instead of an unhandled rejection.
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
