/**
 * Test doubles for an Event Hub trigger invocation: trigger metadata shaped as the Functions host sends
 * it for cardinality "many" (camel-cased by @azure/functions), and an InvocationContext whose log lines
 * are captured instead of printed.
 */
import { InvocationContext, type LogLevel, type TriggerMetadata } from "@azure/functions";

export interface EventHubMetadataOptions {
  readonly partitionId?: string;
  readonly firstSequenceNumber: number;
  readonly count: number;
  /** Enqueued time of the first message; the rest follow 1 ms apart. */
  readonly enqueuedAt?: string;
}

/** What the host passes as `triggerMetadata` for a batch of `count` messages from one partition. */
export function eventHubTriggerMetadata(options: EventHubMetadataOptions): TriggerMetadata {
  const { partitionId = "3", firstSequenceNumber, count } = options;
  const start = Date.parse(options.enqueuedAt ?? "2024-05-14T09:12:04.512Z");
  const perMessage = Array.from({ length: count }, (_, i) => ({
    sequenceNumber: firstSequenceNumber + i,
    offset: String(8_589_934_592 + (firstSequenceNumber + i) * 4096),
    enqueuedTimeUtc: new Date(start + i).toISOString(),
  }));
  return {
    partitionContext: {
      fullyQualifiedNamespace: "evhns-kubetrail-weu.servicebus.windows.net",
      eventHubName: "aks-audit",
      consumerGroup: "kubetrail",
      partitionId,
    },
    partitionKeyArray: perMessage.map(() => null),
    offsetArray: perMessage.map((m) => m.offset),
    sequenceNumberArray: perMessage.map((m) => m.sequenceNumber),
    enqueuedTimeUtcArray: perMessage.map((m) => m.enqueuedTimeUtc),
    propertiesArray: perMessage.map(() => ({})),
    systemPropertiesArray: perMessage.map((m) => ({
      "x-opt-sequence-number": m.sequenceNumber,
      "x-opt-offset": m.offset,
      "x-opt-enqueued-time": m.enqueuedTimeUtc,
      sequenceNumber: m.sequenceNumber,
      offset: m.offset,
      partitionKey: null,
      enqueuedTimeUtc: m.enqueuedTimeUtc,
    })),
    sys: { methodName: "ingest", utcNow: "2024-05-14T09:12:05.001Z", randGuid: "0d1c5a8e-6a53-4c43-9f0e-1b2a6f3d9c11" },
  };
}

export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
}

export interface CapturedInvocation {
  readonly context: InvocationContext;
  readonly logs: LogLine[];
}

export function invocationContext(triggerMetadata?: TriggerMetadata): CapturedInvocation {
  const logs: LogLine[] = [];
  const context = new InvocationContext({
    invocationId: "5f0c7d1e-2b8a-4f7e-9a51-3c2d6e8f0a17",
    functionName: "ingest",
    triggerMetadata,
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
  });
  return { context, logs };
}
