/**
 * Replays files through the pipeline as a deployment would have seen them live: inputs merged in event
 * time (within the reorder window), events grouped into batches of `batchSize`, dealt round-robin over
 * `partitions` concurrent pipeline instances that share one state store, as a scaled-out Function app
 * shares Table Storage. Parsing, selection and the folds that need no state run on `workers` threads;
 * the rest of detection stays here, where the state is.
 */
import { allDetections } from "../../detections/index.js";
import { type ResolvedSettings, resolveSettings } from "../config/settings.js";
import type { QuarantineEntry } from "../decode/quarantine.js";
import type { Detection } from "../detect/detection.js";
import { EventPreparer, type PreparedEvent } from "../detect/preparedBatch.js";
import type { IncidentRow } from "../incidents/incidentRow.js";
import { PartitionedPipelines } from "../partitionedPipelines.js";
import { type BatchResult, DecodedBatch, type Pipeline } from "../pipeline.js";
import type { StateStore } from "../state/stateStore.js";
import { addStats, emptyStats, type PipelineStats } from "../stats.js";
import { type InputPlan, planInputs, type TimeRange } from "./inputPlan.js";
import type { CutLimits } from "./jobs.js";
import { DEFAULT_REORDER_WINDOW_MS, OrderedReader, type ReadProgress } from "./orderedReader.js";
import { InProcessParser, type Parser, WorkerParser } from "./parsers.js";

export { DEFAULT_REORDER_WINDOW_MS };

export interface ReplayOptions extends TimeRange {
  readonly inputs: readonly string[];
  /** The inputs already planned (planInputs with the same range), to size them before starting. */
  readonly plan?: InputPlan;
  readonly store: StateStore;
  readonly detections?: readonly Detection[];
  readonly settings?: ResolvedSettings;
  /** Audit events per pipeline batch. Default 100, the Event Hub trigger's default maxEventBatchSize. */
  readonly batchSize?: number;
  /** Concurrent pipeline instances sharing the store. Default 1. */
  readonly partitions?: number;
  /** Threads that parse: 1 (or 0) parses on this thread; more start worker threads. Default 1. */
  readonly workers?: number;
  /** How far out of order (event time) inputs may be and still be processed in order. */
  readonly reorderWindowMs?: number;
  /** Resource id for records that name no cluster (raw kube-apiserver logs). */
  readonly clusterResourceId?: string;
  readonly onIncident?: (row: IncidentRow) => void | Promise<void>;
  readonly onQuarantine?: (entry: QuarantineEntry) => void | Promise<void>;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly signal?: AbortSignal;
  readonly clock?: () => Date;
  /** Job sizes and read-ahead, for tests of the memory bound. */
  readonly limits?: CutLimits;
  readonly aheadJobs?: number;
  /** Parse with this parser (threads already started, reused across replays; the caller closes it) instead of `workers`. */
  readonly parser?: Parser<PreparedEvent>;
}

export interface ReplayProgress {
  readonly bytesRead: number;
  readonly bytesTotal: number;
  readonly stats: PipelineStats;
  readonly file: string;
  readonly read: ReadProgress;
}

export interface ReplayResult {
  readonly stats: PipelineStats;
  readonly files: number;
  readonly read: ReadProgress;
  /** Threads that parsed (1: this one). */
  readonly workers: number;
  /** Each worker's event-loop utilization (0–1) since it started; empty when parsing here. */
  readonly workerUtilization: number[];
  /** True when the signal stopped the replay before the inputs ended. */
  readonly aborted: boolean;
}

/** One pipeline instance: batches run one at a time, in order, while other partitions run theirs. */
class Partition {
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    readonly pipeline: Pipeline,
    private readonly deliver: (batch: BatchResult) => Promise<void>,
  ) {}

  /** Starts a batch once the previous one is done: the wait is the backpressure. Rejects with a failed batch's error. */
  async submit(batch: DecodedBatch): Promise<void> {
    await this.inFlight;
    this.inFlight = this.pipeline.processDecoded(batch).then(this.deliver);
    this.inFlight.catch(() => undefined); // surfaced by the next submit or idle
  }

  idle(): Promise<void> {
    return this.inFlight;
  }
}

export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const plan = options.plan ?? (await planInputs(options.inputs, options));
  const detections = options.detections ?? allDetections;
  const settings = options.settings ?? resolveSettings(detections);
  const parser = options.parser ?? createParser(options, detections, settings);
  const reader = new OrderedReader<PreparedEvent>(
    {
      plan,
      windowMs: options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS,
      limits: options.limits,
      aheadJobs: options.aheadJobs,
      signal: options.signal,
    },
    parser,
  );
  const batchSize = options.batchSize ?? 100;
  const stats = emptyStats();
  const progress = (): ReplayProgress => ({
    bytesRead: reader.progress.bytesRead,
    bytesTotal: reader.progress.bytesTotal,
    stats,
    file: reader.progress.currentFile,
    read: reader.progress,
  });

  const group = new PartitionedPipelines({
    detections,
    settings,
    store: options.store,
    clock: options.clock,
    recordDefaults: options.clusterResourceId ? { resourceId: options.clusterResourceId } : undefined,
  });
  const preparer = new EventPreparer(detections, settings);
  const deliver = async (result: BatchResult) => {
    addStats(stats, result.stats);
    await group.sweepIfDue();
    for (const row of result.incidents) await options.onIncident?.(row);
    options.onProgress?.(progress());
  };
  const partitions = Array.from({ length: Math.max(1, options.partitions ?? 1) }, (_, i) => new Partition(group.for(String(i)), deliver));
  let next = 0;
  const dispatch = async (batch: DecodedBatch) => {
    const partition = partitions[next] as Partition;
    next = (next + 1) % partitions.length;
    await partition.submit(batch);
  };

  let batch = new DecodedBatch();
  let batchEvents = 0;
  const ready: DecodedBatch[] = [];
  try {
    await reader.read({
      run: async (run) => {
        addStats(stats, run.stats);
        for (const entry of run.quarantined) await options.onQuarantine?.(entry);
      },
      item: (time, prepared) => {
        batchEvents++;
        if (time > batch.latestEventTime) batch.latestEventTime = time;
        // Prepared as it was parsed, like a Function batch's events as they are decoded: the batch keeps observations, not whole events.
        if (prepared) preparer.absorb(prepared, batch.prepared);
        if (batchEvents >= batchSize) {
          ready.push(batch);
          batch = new DecodedBatch();
          batchEvents = 0;
        }
      },
      released: async () => {
        for (const full of ready.splice(0)) await dispatch(full);
        options.onProgress?.(progress());
      },
    });
    if (batchEvents > 0) await dispatch(batch);
    await Promise.all(partitions.map((p) => p.idle()));
  } finally {
    if (!options.parser) await parser.close();
  }
  return {
    stats,
    files: reader.progress.filesOpened,
    read: reader.progress,
    workers: parser.threads,
    workerUtilization: parser.utilization().map((u) => u.utilization),
    aborted: options.signal?.aborted === true,
  };
}

/**
 * Parse threads prepare events for the enabled detections as the engine would. Workers load the
 * detections from the registry by id (detections are code, and code does not cross threads), so a
 * replay on workers runs registry detections only.
 */
export function createParser(
  options: Pick<ReplayOptions, "workers" | "clusterResourceId" | "from" | "to">,
  detections: readonly Detection[] = allDetections,
  settings: ResolvedSettings = resolveSettings(detections),
): Parser<PreparedEvent> {
  const parseOptions = {
    recordDefaults: options.clusterResourceId ? { resourceId: options.clusterResourceId } : undefined,
    from: options.from,
    to: options.to,
  };
  const workers = options.workers ?? 1;
  if (workers >= 2) {
    const foreign = detections.filter((d) => !allDetections.includes(d)).map((d) => d.id);
    if (foreign.length > 0) {
      throw new Error(
        `parse workers run the registry's detections only; ${foreign.join(", ")} ${foreign.length === 1 ? "is" : "are"} not in detections/index.ts: replay with one thread`,
      );
    }
    return new WorkerParser<"events">(workers, { mode: "events", detections: detections.map((d) => d.id), settings, options: parseOptions });
  }
  const preparer = new EventPreparer(detections, settings);
  return new InProcessParser("events", (event, stats) => preparer.prepareEvent(event, stats), parseOptions);
}
