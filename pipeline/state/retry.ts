/**
 * What to do with a failed Table Storage request, and how long to wait before the next try.
 *
 * Two layers retry. The SDK's own policy (configured through `sdkRetryOptions`) retries 5xx, 408 and
 * connection errors per request. This layer retries what the SDK does not (request timeouts) and, once the
 * SDK gave up on an outage, a few more times with a longer, jittered wait, before the store throws a
 * StateStoreError. Conflicts (412, 409, 404 on update) are not retried here: they need a re-read and a
 * merge, which only the store can do.
 */

export type Failure = "conflict" | "transient" | "fatal";

export interface RetrySettings {
  /** SDK retries per request of 5xx, 408 and connection errors. Default 3. */
  readonly sdkMaxRetries?: number;
  /** First SDK retry delay; it doubles each time. Default 500 ms. */
  readonly sdkRetryDelayMs?: number;
  readonly sdkMaxRetryDelayMs?: number;
  /** Milliseconds before one request is abandoned as timed out. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Tries of one step, in all, when it keeps failing transiently after the SDK's retries. Default 3. */
  readonly transientAttempts?: number;
  /** Re-read, merge and write rounds of one key that keeps losing races. Default 10. */
  readonly conflictAttempts?: number;
  /** Base of this layer's exponential backoff (full jitter). Default 100 ms. */
  readonly baseDelayMs?: number;
  /** Cap of this layer's backoff. Default 5 s. */
  readonly maxDelayMs?: number;
}

export type ResolvedRetry = Required<RetrySettings>;

export function resolveRetry(settings: RetrySettings = {}): ResolvedRetry {
  return {
    sdkMaxRetries: settings.sdkMaxRetries ?? 3,
    sdkRetryDelayMs: settings.sdkRetryDelayMs ?? 500,
    sdkMaxRetryDelayMs: settings.sdkMaxRetryDelayMs ?? 8_000,
    requestTimeoutMs: settings.requestTimeoutMs ?? 30_000,
    transientAttempts: Math.max(1, settings.transientAttempts ?? 3),
    conflictAttempts: Math.max(1, settings.conflictAttempts ?? 10),
    baseDelayMs: settings.baseDelayMs ?? 100,
    maxDelayMs: settings.maxDelayMs ?? 5_000,
  };
}

const SYSTEM_ERRORS = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "REQUEST_SEND_ERROR"]);

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

export function classify(error: unknown): Failure {
  const status = statusOf(error);
  // A missing table is not a missing entity: re-reading would never help.
  if ((error as { code?: unknown } | null)?.code === "TableNotFound") return "fatal";
  if (status === 412 || status === 409 || status === 404) return "conflict";
  if (status !== undefined && (status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505))) return "transient";
  if (status !== undefined) return "fatal";
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  // Timeouts surface as aborts; connection failures as system error codes without a status.
  if (name === "AbortError" || (typeof code === "string" && SYSTEM_ERRORS.has(code))) return "transient";
  return "fatal";
}

/** Exponential backoff with full jitter, so instances that collided do not collide again in step. */
export function backoffMs(attempt: number, retry: ResolvedRetry, random: () => number): number {
  return Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `step`, trying again after a backoff while it fails transiently; other failures pass through. */
export async function withTransientRetry<T>(step: () => Promise<T>, retry: ResolvedRetry, random: () => number, onRetry: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= retry.transientAttempts || classify(error) !== "transient") throw error;
      onRetry();
      await sleep(backoffMs(attempt, retry, random));
    }
  }
}
