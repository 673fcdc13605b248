/**
 * The triggers' options, apart from their handlers so that tests can read them without registering.
 *
 * Failure policy of `ingest` (the state store unavailable or throttling beyond its own retries): the
 * handler throws, and this retry policy runs the batch again, with backoff, for as long as it takes. The
 * Event Hubs extension writes no checkpoint while a batch's retries last, so the hub (1–7 days of
 * retention) is the buffer and nothing is lost; the partition simply waits, as every other partition does
 * while the store is down. A bounded policy, or a retry table drained by a timer, would need the very
 * storage that is down to hold the batch. Failures that retrying cannot cure never throw: bad records
 * are quarantined, and a batch the pipeline refuses is recorded in the quarantine table (see ingest.ts).
 */
import type { EventHubFunctionOptions, TimerFunctionOptions } from "@azure/functions";

type WithoutHandler<T> = Omit<T, "handler">;

export const ingestTrigger = {
  connection: "EventHubConnection",
  eventHubName: "%EVENTHUB_NAME%",
  consumerGroup: "%EVENTHUB_CONSUMER_GROUP%",
  cardinality: "many",
  retry: { strategy: "exponentialBackoff", maxRetryCount: -1, minimumInterval: { seconds: 5 }, maximumInterval: { minutes: 5 } },
} as const satisfies WithoutHandler<EventHubFunctionOptions>;

/** Rows whose first delivery failed, or whose instance died before delivering, every minute. */
export const deliverTrigger = { schedule: "0 * * * * *" } as const satisfies WithoutHandler<TimerFunctionOptions>;

/** Expired state, every ten minutes: expiry is coarse, and a sweep scans the table. */
export const sweepTrigger = { schedule: "0 */10 * * * *" } as const satisfies WithoutHandler<TimerFunctionOptions>;
