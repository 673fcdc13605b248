/**
 * The input's messages with their original bodies (an Event Hub message's text, an archive or audit.log
 * line, a Capture record's body, a Log Analytics row), in event-time order across files within the reorder
 * window: what a publisher sends to replay history into a live deployment. Each message is ordered by the
 * latest event it holds; a message with no audit event (other categories) keeps its place in its file.
 * Reading waits while the consumer is behind, so memory stays bounded.
 */
import type { QuarantineEntry } from "../decode/quarantine.js";
import type { InputMessage } from "../pipeline.js";
import { addStats, emptyStats, type PipelineStats } from "../stats.js";
import { planInputs, type TimeRange } from "./inputPlan.js";
import type { CutLimits } from "./jobs.js";
import { DEFAULT_REORDER_WINDOW_MS, OrderedReader, type ReadProgress } from "./orderedReader.js";
import { InProcessParser, type Parser, WorkerParser } from "./parsers.js";

export interface OrderedMessagesOptions extends TimeRange {
  /** Threads that parse (to find each message's event time): 1 parses on this thread. */
  readonly workers?: number;
  readonly reorderWindowMs?: number;
  readonly clusterResourceId?: string;
  readonly signal?: AbortSignal;
  readonly onQuarantine?: (entry: QuarantineEntry) => void;
  readonly limits?: CutLimits;
}

/** Messages queued for the consumer before reading pauses. */
const QUEUE_HIGH = 4096;

export class OrderedMessages implements AsyncIterable<InputMessage> {
  /** Counters of what was read (records, events, quarantined), live while iterating. */
  readonly stats: PipelineStats = emptyStats();
  private reader: OrderedReader<InputMessage> | undefined;

  constructor(
    private readonly inputs: readonly string[],
    private readonly options: OrderedMessagesOptions,
  ) {}

  /** How far reading got (files, bytes, late, last event time); undefined before iteration starts. */
  get progress(): ReadProgress | undefined {
    return this.reader?.progress;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<InputMessage> {
    const options = this.options;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    options.signal?.addEventListener("abort", onAbort);
    if (options.signal?.aborted) stop.abort();
    const plan = await planInputs(this.inputs, options);
    const parseOptions = {
      recordDefaults: options.clusterResourceId ? { resourceId: options.clusterResourceId } : undefined,
      from: options.from,
      to: options.to,
    };
    const parser: Parser<InputMessage> =
      (options.workers ?? 1) >= 2
        ? new WorkerParser<"messages">(options.workers ?? 2, { mode: "messages", detections: [], settings: new Map(), options: parseOptions })
        : new InProcessParser("messages", () => undefined, parseOptions);
    const reader = new OrderedReader<InputMessage>(
      { plan, windowMs: options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS, limits: options.limits, signal: stop.signal },
      parser,
    );
    this.reader = reader;

    let queue: InputMessage[] = [];
    let head = 0;
    let finished = false;
    let failure: unknown;
    let wakeConsumer: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    const reading = reader
      .read({
        run: (run) => {
          addStats(this.stats, run.stats);
          for (const entry of run.quarantined) options.onQuarantine?.(entry);
        },
        item: (_time, message) => {
          if (message) queue.push(message);
        },
        released: async () => {
          wakeConsumer?.();
          while (queue.length - head > QUEUE_HIGH && !stop.signal.aborted) await new Promise<void>((resolve) => (wakeReader = resolve));
        },
      })
      .then(
        () => {
          finished = true;
        },
        (error: unknown) => {
          failure = error;
        },
      )
      .finally(async () => {
        await parser.close();
        wakeConsumer?.();
      });

    try {
      for (;;) {
        while (head < queue.length) {
          yield queue[head++] as InputMessage;
          if (head === queue.length) {
            queue = [];
            head = 0;
            wakeReader?.();
          }
        }
        if (failure !== undefined) throw failure;
        if (finished) return;
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
      }
    } finally {
      stop.abort(); // a consumer that stops early stops the reading
      wakeReader?.();
      await reading;
      options.signal?.removeEventListener("abort", onAbort);
    }
  }
}

export function readOrderedMessages(inputs: readonly string[], options: OrderedMessagesOptions = {}): OrderedMessages {
  return new OrderedMessages(inputs, options);
}
