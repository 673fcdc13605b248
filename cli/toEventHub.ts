/**
 * `replay --to-eventhub <namespace>/<hub>`: wiring only. Builds DefaultAzureCredential (as the Function
 * authenticates) and an EventHubPublisher, and hands it the messages the replay reads. The SDK and the
 * credential are loaded only when the option is used, so the plain replay starts as fast as before.
 */
import { type Command, InvalidArgumentError } from "commander";
import type { InputMessage } from "../pipeline/pipeline.js";
import { EventHubTargetError } from "../pipeline/publish/eventHubTargetError.js";
import type { SkippedInput } from "../pipeline/publish/publishUnits.js";

export interface EventHubCliOptions {
  toEventhub?: string;
  rate?: number;
  speed?: number;
}

export interface EventHubRunHooks {
  readonly signal: AbortSignal;
  readonly onProgress?: (p: { messages: number; records: number; bytes: number }) => void;
  /** For audit events whose envelope names no cluster (`--cluster`). */
  readonly clusterResourceId?: string;
  /** Input that is not published (not JSON, not audit data), with its place and reason. */
  readonly onSkip?: (skipped: SkippedInput) => void;
}

export interface EventHubRunResult {
  messages: number;
  records: number;
  batches: number;
  aborted: boolean;
  /** Message body bytes acknowledged. */
  bytes: number;
  /** Inputs not published (see onSkip). */
  skipped: number;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number above 0");
  return n;
}

export function addEventHubOptions(command: Command): Command {
  return command
    .option(
      "--to-eventhub <namespace/hub>",
      "publish the input to an Event Hub as AKS diagnostic settings do (myns/hub or myns.servicebus.windows.net/hub; DefaultAzureCredential)",
    )
    .option("--rate <events/s>", "with --to-eventhub: at most this many audit events per second", positiveNumber)
    .option("--speed <factor>", "with --to-eventhub: replay in event time, this many times faster (60 = an hour of logs per minute)", positiveNumber);
}

/** Publishes `messages` to the hub named by `--to-eventhub`. Throws EventHubTargetError (bad address, hub unreachable, a send refused). */
export async function runToEventHub(options: EventHubCliOptions, messages: AsyncIterable<InputMessage>, hooks: EventHubRunHooks): Promise<EventHubRunResult> {
  if (!options.toEventhub) throw new EventHubTargetError("--to-eventhub <namespace>/<hub> is required");
  const { parseEventHubAddress } = await import("../pipeline/publish/eventHubAddress.js");
  const address = parseEventHubAddress(options.toEventhub);
  const [{ DefaultAzureCredential }, { EventHubPublisher }] = await Promise.all([
    import("@azure/identity"),
    import("../pipeline/publish/eventHubPublisher.js"),
  ]);
  const publisher = new EventHubPublisher({
    address,
    credential: new DefaultAzureCredential(),
    clusterResourceId: hooks.clusterResourceId,
    rate: options.rate,
    speed: options.speed,
  });
  try {
    const result = await publisher.publish(messages, { signal: hooks.signal, onProgress: hooks.onProgress, onSkip: hooks.onSkip });
    return {
      messages: result.messages,
      records: result.records,
      batches: result.batches,
      aborted: result.aborted,
      bytes: result.bytes,
      skipped: result.skipped,
    };
  } finally {
    await publisher.close();
  }
}
