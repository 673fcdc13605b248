/** The store operations a failure can name. */
export type StateOperation = "open" | "read" | "mergeWrite" | "progress" | "outbox" | "quarantine" | "sweep";

export interface StateStoreErrorDetails {
  readonly operation: StateOperation;
  /** Keys (or emission ids) the operation was asked to handle. */
  readonly keyCount: number;
  readonly table: string;
  /** What was left undone: "unavailable", "conflict" (kept losing races), "value too large", "corrupt". */
  readonly reason: string;
  readonly cause?: unknown;
}

/**
 * A state operation that could not complete after its retries. The batch that caused it must be retried
 * as a whole: stored values are merges, so the part that did land is applied again harmlessly.
 */
export class StateStoreError extends Error {
  override readonly name = "StateStoreError";
  readonly operation: StateOperation;
  readonly keyCount: number;
  readonly table: string;
  readonly reason: string;

  constructor(details: StateStoreErrorDetails) {
    const cause = details.cause instanceof Error ? `: ${details.cause.message.split("\n")[0]}` : "";
    const what = details.keyCount > 0 ? `${details.operation} of ${details.keyCount} key(s)` : details.operation;
    super(`state store ${what} in table ${details.table} failed (${details.reason})${cause}`, {
      cause: details.cause,
    });
    this.operation = details.operation;
    this.keyCount = details.keyCount;
    this.table = details.table;
    this.reason = details.reason;
  }
}
