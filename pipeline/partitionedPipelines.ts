/**
 * One pipeline instance per Event Hub partition (or replay partition), all sharing one state store.
 * Each instance keeps its own event-time watermark, so a partition that lags behind another (a backlog
 * after an outage) is not mistaken for late data; expired state is swept with the slowest one's.
 */
import { Pipeline, type PipelineOptions } from "./pipeline.js";
import { MemoryStateStore } from "./state/memoryStateStore.js";
import type { StateStore } from "./state/stateStore.js";

/** Sweep at most once per this much event time: expiry is coarse and a sweep scans the store. */
const SWEEP_EVERY_MS = 10 * 60_000;
/** Record a partition's progress at most once per this much event time: one write, not one per batch. */
const PROGRESS_EVERY_MS = 5 * 60_000;

export class PartitionedPipelines {
  readonly store: StateStore;
  private readonly byPartition = new Map<string, Pipeline>();
  private lastSweep = Number.NEGATIVE_INFINITY;
  private readonly recorded = new Map<string, number>();

  constructor(private readonly options: PipelineOptions = {}) {
    this.store = options.store ?? new MemoryStateStore();
  }

  /** The instance for a partition, created on first use. */
  for(partition: string): Pipeline {
    let pipeline = this.byPartition.get(partition);
    if (pipeline === undefined) {
      pipeline = new Pipeline({ ...this.options, store: this.store });
      this.byPartition.set(partition, pipeline);
    }
    return pipeline;
  }

  /** The slowest instance's watermark: no instance can still need state that expired before it. */
  get watermark(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const pipeline of this.byPartition.values()) min = Math.min(min, pipeline.watermark);
    return this.byPartition.size === 0 ? Number.NEGATIVE_INFINITY : min;
  }

  /** Deletes expired state when the slowest watermark moved far enough; returns how many entries went. */
  async sweepIfDue(): Promise<number> {
    const watermark = this.watermark;
    if (!Number.isFinite(watermark) || watermark - this.lastSweep < SWEEP_EVERY_MS) return 0;
    this.lastSweep = watermark;
    return this.store.sweep(watermark);
  }

  /**
   * Records in the store how far a partition got, when it moved on enough since the last record, so
   * that an expiry timer in any process knows what no instance still needs (see safeWatermark.ts).
   */
  async recordProgressIfDue(partition: string, source: string = partition): Promise<void> {
    const watermark = this.byPartition.get(partition)?.watermark ?? Number.NEGATIVE_INFINITY;
    if (!Number.isFinite(watermark) || watermark - (this.recorded.get(partition) ?? Number.NEGATIVE_INFINITY) < PROGRESS_EVERY_MS) return;
    await this.store.recordProgress(source, watermark);
    this.recorded.set(partition, watermark);
  }
}
