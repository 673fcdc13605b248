import { describe, expect, it } from "vitest";
import { eventHubBatch } from "../../functions/eventHubBatch.js";
import { eventHubTriggerMetadata } from "./eventHubInvocation.js";

const sequenceNumbersOf = (batch: ReturnType<typeof eventHubBatch>) => batch.messages.map((m) => m.location.sequenceNumber);

describe("eventHubBatch", () => {
  it("pairs each body with its partition and sequence number, in order", () => {
    const batch = eventHubBatch(["a", "b", "c"], eventHubTriggerMetadata({ firstSequenceNumber: 1234, count: 3, partitionId: "7" }));

    expect(batch.messages).toEqual([
      { body: "a", location: { source: "eventhub", partition: "7", sequenceNumber: 1234 } },
      { body: "b", location: { source: "eventhub", partition: "7", sequenceNumber: 1235 } },
      { body: "c", location: { source: "eventhub", partition: "7", sequenceNumber: 1236 } },
    ]);
    expect(batch.sequenceRange).toEqual({ first: 1234, last: 1236 });
    expect(batch.oldestEnqueuedTime).toBe("2024-05-14T09:12:04.512Z");
    expect(batch.metadataProblems).toEqual([]);
  });

  it("reads int64 sequence numbers in whatever form the worker hands them over", () => {
    const protobufLong = { low: 1236, high: 0, unsigned: false, toString: () => "1236" };
    const metadata = { ...eventHubTriggerMetadata({ firstSequenceNumber: 1234, count: 4 }), sequenceNumberArray: [1234, "1235", protobufLong, 1237n] };

    expect(sequenceNumbersOf(eventHubBatch(["a", "b", "c", "d"], metadata))).toEqual([1234, 1235, 1236, 1237]);
  });

  it("falls back to the system properties when sequenceNumberArray is unusable", () => {
    const metadata = { ...eventHubTriggerMetadata({ firstSequenceNumber: 40, count: 2 }), sequenceNumberArray: [40, 41, 42] };

    const batch = eventHubBatch(["a", "b"], metadata);

    expect(sequenceNumbersOf(batch)).toEqual([40, 41]);
    expect(batch.metadataProblems).toEqual([]);
  });

  it("drops values that are not sequence numbers instead of guessing", () => {
    const metadata = {
      partitionContext: { partitionId: 12 },
      sequenceNumberArray: [-1, 2 ** 60, "12abc", null, { not: "a number" }],
      enqueuedTimeUtcArray: "2024-05-14T09:12:04Z",
    };

    const batch = eventHubBatch(["a", "b", "c", "d", "e"], metadata);

    expect(batch.messages.map((m) => m.location)).toEqual(Array(5).fill({ source: "eventhub", partition: "12", sequenceNumber: undefined }));
    expect(batch.sequenceRange).toBeUndefined();
    expect(batch.oldestEnqueuedTime).toBeUndefined();
    expect(batch.metadataProblems).toEqual(["no sequence number for 5 of 5 messages (sequenceNumberArray has entries that are not sequence numbers)"]);
  });

  it("reports nothing missing for an empty batch", () => {
    expect(eventHubBatch([], undefined)).toEqual({
      messages: [],
      partition: undefined,
      sequenceRange: undefined,
      oldestEnqueuedTime: undefined,
      metadataProblems: [],
    });
  });
});
