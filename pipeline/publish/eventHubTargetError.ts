/**
 * Why publishing to an Event Hub stopped or could not start: a malformed address, a raw audit event with
 * no cluster to name, the hub refusing a send after the SDK's retries, or a message too large to send.
 */
export class EventHubTargetError extends Error {
  override name = "EventHubTargetError";
}

/** An input message that does not fit an empty batch: Event Hubs refuses it however it is batched. */
export class EventTooLargeError extends EventHubTargetError {
  override name = "EventTooLargeError";

  constructor(
    /** Where the message came from (`file:line`, with `record i` for a single record). */
    readonly location: string,
    readonly bytes: number,
    /** The largest batch the hub takes (its `max-message-size`). */
    readonly maxBytes: number,
  ) {
    super(`${location}: a message of ${bytes} bytes does not fit in one Event Hubs batch (this hub takes at most ${maxBytes} bytes)`);
  }
}
