/**
 * The event time before which no instance can still need state: what the expiry timer sweeps with.
 * Each Event Hub partition's instance records how far it got (StateStore.recordProgress); a partition
 * behind the others (a backlog after an outage) holds the watermark back, so its state is not swept
 * from under it. A partition not heard from for `idleAfterMs` of wall clock is idle or gone (the hub was
 * recreated, a consumer group changed) and no longer counts. The result never passes the wall clock, so
 * one corrupt far-future timestamp cannot sweep live state.
 */
import type { SourceProgress } from "./stateStore.js";

export interface SafeWatermarkOptions {
  /** Wall clock, epoch ms. */
  readonly now: number;
  /** Default 6 hours. */
  readonly idleAfterMs?: number;
}

/** The sweep watermark, or undefined when no source has recorded progress recently (sweep nothing). */
export function safeWatermark(progress: ReadonlyMap<string, SourceProgress>, options: SafeWatermarkOptions): number | undefined {
  const idleAfter = options.idleAfterMs ?? 6 * 60 * 60_000;
  let min = Number.POSITIVE_INFINITY;
  for (const source of progress.values()) {
    if (options.now - source.recordedAt > idleAfter) continue;
    min = Math.min(min, source.eventTime);
  }
  return Number.isFinite(min) ? Math.min(min, options.now) : undefined;
}
