/**
 * Replays files through the pipeline as a deployment would see them: messages grouped into batches of
 * `batchSize` records, dealt round-robin over `partitions` concurrent pipeline instances that share one
 * state store, as a scaled-out Function app shares Table Storage.
 */
import type { ResolvedSettings } from "../config/settings.js";
import type { QuarantineEntry } from "../decode/quarantine.js";
import type { Detection } from "../detect/detection.js";
import type { IncidentRow } from "../incidents/incidentRow.js";
import { PartitionedPipelines } from "../partitionedPipelines.js";
import { type BatchResult, DecodedBatch, type InputMessage, type Pipeline } from "../pipeline.js";
import type { StateStore } from "../state/stateStore.js";
import { addStats, emptyStats, type PipelineStats } from "../stats.js";
import { expandInputs, type InputFile, readMessages } from "./readInputs.js";

export interface ReplayOptions {
  readonly inputs: readonly string[];
  readonly store: StateStore;
  readonly detections?: readonly Detection[];
  readonly settings?: ResolvedSettings;
  /** Records per pipeline batch. Default 100, the Event Hub trigger's default maxEventBatchSize. */
  readonly batchSize?: number;
  /** Concurrent pipeline instances sharing the store. Default 1. */
  readonly partitions?: number;
  /** Resource id for records that name no cluster (raw kube-apiserver logs). */
  readonly clusterResourceId?: string;
  readonly onIncident?: (row: IncidentRow) => void | Promise<void>;
  readonly onQuarantine?: (entry: QuarantineEntry) => void | Promise<void>;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly signal?: AbortSignal;
  readonly clock?: () => Date;
}

export interface ReplayProgress {
  readonly bytesRead: number;
  readonly bytesTotal: number;
  readonly stats: PipelineStats;
  readonly file: string;
}

export interface ReplayResult {
  readonly stats: PipelineStats;
  readonly files: number;
  /** True when the signal stopped the replay before the inputs ended. */
  readonly aborted: boolean;
}

/** One pipeline instance: batches run one at a time, in order, while other partitions run theirs. */
class Partition {
  pending = new DecodedBatch();
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    readonly pipeline: Pipeline,
    private readonly deliver: (batch: BatchResult) => Promise<void>,
  ) {}

  /** Resolves when the previous batch is done; rejects with its error, if it failed. */
  idle(): Promise<void> {
    return this.inFlight;
  }

  /** Starts the pending batch without waiting for it. Call after `idle()`. */
  start(): void {
    const batch = this.pending;
    this.pending = new DecodedBatch();
    this.inFlight = this.pipeline.processDecoded(batch).then(this.deliver);
    this.inFlight.catch(() => undefined); // surfaced by the next idle()
  }
}

export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const files = await expandInputs(options.inputs);
  const batchSize = options.batchSize ?? 100;
  const stats = emptyStats();
  const bytesTotal = files.reduce((sum, f) => sum + f.size, 0);
  let bytesRead = 0;
  let currentFile = "";

  const group = new PartitionedPipelines({
    detections: options.detections,
    settings: options.settings,
    store: options.store,
    clock: options.clock,
    recordDefaults: options.clusterResourceId ? { resourceId: options.clusterResourceId } : undefined,
  });
  const deliver = async (result: BatchResult) => {
    addStats(stats, result.stats);
    await group.sweepIfDue();
    for (const entry of result.quarantined) await options.onQuarantine?.(entry);
    for (const row of result.incidents) await options.onIncident?.(row);
    options.onProgress?.({ bytesRead, bytesTotal, stats, file: currentFile });
  };
  const partitions = Array.from({ length: Math.max(1, options.partitions ?? 1) }, (_, i) => new Partition(group.for(String(i)), deliver));

  let next = 0;
  let aborted = false;
  const dispatch = async (message: InputMessage) => {
    const partition = partitions[next] as Partition;
    next = (next + 1) % partitions.length;
    partition.pipeline.decode([message], partition.pending);
    if (partition.pending.stats.records >= batchSize) {
      // Backpressure: wait only while this partition still works on its previous batch.
      await partition.idle();
      partition.start();
    }
  };

  outer: for (const file of files) {
    currentFile = file.path;
    for await (const message of readMessages(file, { onBytes: (n: number) => (bytesRead += n) })) {
      if (options.signal?.aborted) {
        aborted = true;
        break outer;
      }
      await dispatch(message);
    }
  }
  for (const partition of partitions) {
    await partition.idle();
    partition.start();
  }
  await Promise.all(partitions.map((p) => p.idle()));
  return { stats, files: files.length, aborted };
}

export type { InputFile };
