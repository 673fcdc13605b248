/** The `sweep` timer: deletes state no instance can still need, by the slowest partition's progress. */
import type { InvocationContext, Timer } from "@azure/functions";
import { safeWatermark } from "../pipeline/state/safeWatermark.js";
import type { TimerHandler } from "./deliver.js";
import { once, type RuntimeSource, sharedRuntime } from "./runtime.js";

export function createSweepHandler(source: RuntimeSource): TimerHandler {
  const runtime = once(source);
  return async (_timer: Timer, context: InvocationContext) => {
    const { store, now } = await runtime();
    const progress = await store.progress();
    const watermark = safeWatermark(progress, { now: now() });
    if (watermark === undefined) {
      context.log(`sweep: no partition has recorded progress in the last hours (${progress.size} known); nothing swept`);
      return;
    }
    const removed = await store.sweep(watermark);
    context.log(`sweep: ${removed} expired entities deleted, up to event time ${new Date(watermark).toISOString()} (${progress.size} partitions)`);
  };
}

export const sweep: TimerHandler = createSweepHandler(sharedRuntime);
