/**
 * One Event Hub trigger invocation (cardinality "many") as pipeline input: every message body paired
 * with where it came from, so that a quarantined record names its partition and sequence number.
 *
 * The host passes per-message metadata as parallel arrays (`sequenceNumberArray`, `enqueuedTimeUtcArray`,
 * `systemPropertiesArray`, …) and the partition in `partitionContext`. None of it is trusted: an array
 * of the wrong length is ignored rather than guessed at, because a wrong location is worse than none.
 */
import type { TriggerMetadata } from "@azure/functions";
import type { SourceLocation } from "../pipeline/decode/location.js";
import type { InputMessage } from "../pipeline/pipeline.js";

export interface EventHubBatch {
  readonly messages: InputMessage[];
  readonly partition: string | undefined;
  /** Lowest and highest sequence number in the batch, when any is known. */
  readonly sequenceRange: { readonly first: number; readonly last: number } | undefined;
  /** When the oldest message of the batch was enqueued (ISO 8601); tells how far behind processing is. */
  readonly oldestEnqueuedTime: string | undefined;
  /** What the trigger metadata lacked; each makes quarantine locations less precise. */
  readonly metadataProblems: string[];
}

/** Pairs each message body with its location, reading whatever trigger metadata is usable. */
export function eventHubBatch(bodies: readonly unknown[], metadata: TriggerMetadata | undefined): EventHubBatch {
  const count = bodies.length;
  const metadataProblems: string[] = [];
  const partition = partitionIdOf(metadata?.partitionContext);
  if (partition === undefined && count > 0) metadataProblems.push("no partitionContext.partitionId");

  const sequenceNumbers = alignedArray(metadata?.sequenceNumberArray, count);
  const systemProperties = alignedArray(metadata?.systemPropertiesArray, count);
  const messages: InputMessage[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let unsequenced = 0;
  for (let i = 0; i < count; i++) {
    const sequenceNumber = sequenceNumberOf(sequenceNumbers.values?.[i]) ?? sequenceNumberOf(systemSequenceNumber(systemProperties.values?.[i]));
    if (sequenceNumber === undefined) unsequenced++;
    else {
      first = Math.min(first, sequenceNumber);
      last = Math.max(last, sequenceNumber);
    }
    const location: SourceLocation = { source: "eventhub", partition, sequenceNumber };
    messages.push({ body: bodies[i], location });
  }
  if (unsequenced > 0) metadataProblems.push(`no sequence number for ${unsequenced} of ${count} messages (sequenceNumberArray ${sequenceNumbers.describe})`);

  return {
    messages,
    partition,
    sequenceRange: unsequenced < count ? { first, last } : undefined,
    oldestEnqueuedTime: oldestTime(alignedArray(metadata?.enqueuedTimeUtcArray, count).values),
    metadataProblems,
  };
}

interface AlignedArray {
  /** The array, only when it has exactly one entry per message. */
  readonly values: readonly unknown[] | undefined;
  /** What is wrong with it, for the warning when it yields no sequence number: "missing", "has 2 entries", …. */
  readonly describe: string;
}

function alignedArray(value: unknown, count: number): AlignedArray {
  if (!Array.isArray(value)) return { values: undefined, describe: value === undefined ? "missing" : `is ${typeof value}, not an array` };
  if (value.length !== count) return { values: undefined, describe: `has ${value.length} entries` };
  return { values: value, describe: "has entries that are not sequence numbers" };
}

function partitionIdOf(partitionContext: unknown): string | undefined {
  if (partitionContext === null || typeof partitionContext !== "object") return undefined;
  const id = (partitionContext as Record<string, unknown>).partitionId;
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isInteger(id)) return String(id);
  return undefined;
}

/** The host camel-cases `SequenceNumber`; the AMQP annotation keeps its own name. */
function systemSequenceNumber(systemProperties: unknown): unknown {
  if (systemProperties === null || typeof systemProperties !== "object") return undefined;
  const props = systemProperties as Record<string, unknown>;
  return props.sequenceNumber ?? props["x-opt-sequence-number"];
}

const DIGITS = /^\d{1,16}$/;

/**
 * Sequence numbers are int64 on the wire; the worker may hand them over as numbers, strings, bigints or
 * protobuf `Long` objects (whose `toString()` is the decimal value). Beyond 2^53 they would lose
 * precision, so those are dropped rather than rounded.
 */
function sequenceNumberOf(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string" && typeof value !== "bigint" && (value === null || typeof value !== "object")) return undefined;
  const text = String(value);
  if (!DIGITS.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function oldestTime(values: readonly unknown[] | undefined): string | undefined {
  let oldest = Number.POSITIVE_INFINITY;
  for (const value of values ?? []) {
    const time = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (time < oldest) oldest = time;
  }
  return Number.isFinite(oldest) ? new Date(oldest).toISOString() : undefined;
}
