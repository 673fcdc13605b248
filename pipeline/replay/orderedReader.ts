/**
 * Reads a plan's inputs side by side and hands their items to a consumer in event-time order: each
 * input's files in order, cut into jobs, parsed (on workers or here), then merged through the reorder
 * buffer. The input the merge is waiting on is read first; others only within the read-ahead budget.
 */
import type { Readable } from "node:stream";
import { fileJobs } from "./cut/fileJobs.js";
import type { InputFile, InputPlan, InputSequence } from "./inputPlan.js";
import { type CutLimits, DEFAULT_LIMITS, type Job } from "./jobs.js";
import type { ParsedRun } from "./parse/parseJob.js";
import type { Parser } from "./parsers.js";
import { ReadAhead, ReadBudget } from "./readAhead.js";
import { type ReleaseSink, ReorderBuffer } from "./reorderBuffer.js";

/** Default reorder window: AKS delivers diagnostic records within minutes; archives blur hour edges by as much. */
export const DEFAULT_REORDER_WINDOW_MS = 5 * 60_000;

export interface OrderedReadOptions {
  readonly plan: InputPlan;
  /** How far out of order events may come and still be put in order (event time, ms). */
  readonly windowMs: number;
  readonly limits?: CutLimits;
  /** Jobs read ahead of the merge, over all inputs. Default: four per parsing thread. */
  readonly aheadJobs?: number;
  readonly signal?: AbortSignal;
  readonly stdin?: Readable;
}

/** How far reading got; live while reading, for progress. */
export interface ReadProgress {
  bytesRead: number;
  readonly bytesTotal: number;
  filesOpened: number;
  readonly filesTotal: number;
  readonly filesSkipped: number;
  /** File being read by the input the merge waits on. */
  currentFile: string;
  /** Items released out of order: older than the reorder window allowed. */
  late: number;
  outsideRange: number;
  /** Latest event time released (epoch ms; -Infinity before any). */
  lastEventTime: number;
  firstEventTime: number;
  /** Peak items held in the reorder buffer, and peak bytes read ahead of the merge: both bounded. */
  peakBufferedItems: number;
  peakBytesAhead: number;
}

export interface OrderedConsumer<T> extends ReleaseSink<T> {
  /** A run, as the merge takes it in (quarantined records, counters), before its items are released. */
  run(run: ParsedRun<T>): void | Promise<void>;
  /** After each release: the place to await downstream (backpressure). */
  released(): Promise<void>;
}

export class OrderedReader<T> {
  readonly progress: ReadProgress;

  constructor(
    private readonly options: OrderedReadOptions,
    private readonly parser: Parser<T>,
  ) {
    const { plan } = options;
    this.progress = {
      bytesRead: 0,
      bytesTotal: plan.bytes,
      filesOpened: 0,
      filesTotal: plan.files,
      filesSkipped: plan.skippedFiles,
      currentFile: "",
      late: 0,
      outsideRange: 0,
      lastEventTime: Number.NEGATIVE_INFINITY,
      firstEventTime: Number.POSITIVE_INFINITY,
      peakBufferedItems: 0,
      peakBytesAhead: 0,
    };
  }

  async read(consumer: OrderedConsumer<T>): Promise<void> {
    const { plan, windowMs } = this.options;
    const budget = new ReadBudget(this.options.aheadJobs ?? 4 * this.parser.threads);
    const inputs = plan.sequences.map((sequence) => new ReadAhead(this.jobsOf(sequence), this.parser, budget));
    const buffer = new ReorderBuffer<T>(inputs.length, windowMs);
    const progress = this.progress;
    const sink: ReleaseSink<T> = {
      item: (time, payload, late) => {
        if (time < progress.firstEventTime && time !== Number.NEGATIVE_INFINITY) progress.firstEventTime = time;
        consumer.item(time, payload, late);
      },
    };
    try {
      for (let input = buffer.nextInput(); input !== -1; input = buffer.nextInput()) {
        const reader = inputs[input] as ReadAhead<T>;
        const run = await reader.next();
        if (run === undefined) buffer.finish(input);
        else {
          progress.outsideRange += run.outsideRange;
          await consumer.run(run);
          buffer.add(input, run);
        }
        // Keep the parsers busy: the input the merge needs next reads ahead up to the whole budget, every
        // other input one job, so that whichever it needs after is ready too.
        const next = buffer.nextInput();
        for (const [i, reader] of inputs.entries()) reader.pump(i === next ? budget.maxJobs : 1);
        buffer.release(sink);
        progress.late = buffer.late;
        progress.lastEventTime = buffer.released;
        progress.peakBufferedItems = buffer.peakBuffered;
        progress.peakBytesAhead = budget.peakBytes;
        await consumer.released();
      }
    } finally {
      await Promise.all(inputs.map((input) => input.close()));
    }
  }

  private async *jobsOf(sequence: InputSequence): AsyncGenerator<Job> {
    for (const file of sequence.files) {
      if (this.options.signal?.aborted) return;
      yield* this.jobsOfFile(file);
    }
  }

  private jobsOfFile(file: InputFile): AsyncGenerator<Job> {
    this.progress.filesOpened++;
    this.progress.currentFile = file.path;
    return fileJobs(file, {
      limits: this.options.limits ?? DEFAULT_LIMITS,
      signal: this.options.signal,
      stdin: this.options.stdin,
      onBytes: (n) => {
        this.progress.bytesRead += n;
      },
    });
  }
}
