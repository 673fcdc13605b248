/**
 * A job's bytes in, a sorted run out: every record decoded, normalized and given its event time (the work
 * that costs, done in a worker), then sorted by time so the main thread only merges. In `events` mode each
 * event is prepared for detection there too, and the run carries what detection keeps of the few events it
 * needs (a PreparedEvent) and only the times of the rest; in `messages` mode, every message with the latest
 * event time of its records (for forwarding the original bodies in time order).
 */
import { type AuditRecord, type DecodeSink, decodeMessage, type RecordDefaults } from "../../decode/decodeMessage.js";
import { type QuarantineEntry, quarantineEntry } from "../../decode/quarantine.js";
import type { PreparedEvent, SelectionStats } from "../../detect/preparedBatch.js";
import type { AuditEvent } from "../../normalize/auditEvent.js";
import { normalizeAuditRecord } from "../../normalize/normalizeAuditRecord.js";
import type { InputMessage } from "../../pipeline.js";
import { emptyStats, type PipelineStats } from "../../stats.js";
import { type Job, jobBytes } from "../jobs.js";
import { messagesOfJob } from "./messagesOfJob.js";

export type ParseMode = "events" | "messages";
export type PayloadOf<M extends ParseMode> = M extends "events" ? PreparedEvent : InputMessage;

export interface ParseOptions {
  readonly recordDefaults?: RecordDefaults;
  /** Events before this time (epoch ms) are dropped and counted. */
  readonly from?: number;
  /** Events at or after this time are dropped and counted. */
  readonly to?: number;
}

/** What a job held, ready to merge: items sorted by time, and the payloads some of them carry. */
export interface ParsedRun<T> {
  /** Item times, ascending (events; or messages, by their latest event, -Infinity when they have none). */
  readonly times: Float64Array;
  /** Ascending indexes into `times` of the items that carry a payload; `payloads` in the same order. */
  readonly positions: Int32Array;
  readonly payloads: T[];
  /** Time of the last timed item in input order (NaN if none): how far the input has got. */
  readonly frontier: number;
  readonly quarantined: QuarantineEntry[];
  /** messages, records, events, skipped, quarantined. */
  readonly stats: PipelineStats;
  /** Events outside --from/--to, dropped (in `messages` mode, with their whole message). */
  readonly outsideRange: number;
  /** Input bytes of the job (decompressed). */
  readonly bytes: number;
}

/** Detection's preparation of one event (EventPreparer.prepareEvent): what it keeps, counted into `stats`. */
export type Prepare = (event: AuditEvent, stats: SelectionStats) => PreparedEvent | undefined;

export function parseJob<M extends ParseMode>(job: Job, mode: M, prepare: Prepare, options: ParseOptions = {}): ParsedRun<PayloadOf<M>> {
  const run = new RunBuilder<PayloadOf<M>>(options);
  if (mode === "events") run.parseEvents(job, prepare);
  else run.parseMessages(job);
  return run.build(jobBytes(job));
}

class RunBuilder<T> implements DecodeSink {
  private readonly times: number[] = [];
  private readonly positions: number[] = [];
  private readonly payloads: T[] = [];
  private readonly quarantined: QuarantineEntry[] = [];
  private readonly stats = emptyStats();
  private outsideRange = 0;
  private frontier = Number.NaN;
  /** Per record: what to do with a normalized event (events mode: keep it; messages mode: time the message). */
  private onEvent: (event: AuditEvent) => void = () => undefined;

  constructor(private readonly options: ParseOptions) {}

  parseEvents(job: Job, prepare: Prepare): void {
    this.onEvent = (event) => {
      if (!this.inRange(event.time)) {
        this.outsideRange++;
        return;
      }
      this.stats.events++;
      const prepared = prepare(event, this.stats);
      if (prepared) {
        this.positions.push(this.times.length);
        this.payloads.push(prepared as T);
      }
      this.times.push(event.time);
      this.frontier = event.time;
    };
    messagesOfJob(job, {
      message: (message) => {
        this.stats.messages++;
        decodeMessage(message.body, message.location, this, this.options.recordDefaults);
      },
      bad: (reason, location, raw) => this.quarantine(quarantineEntry(reason, location, raw)),
    });
  }

  parseMessages(job: Job): void {
    let latest = Number.NEGATIVE_INFINITY;
    this.onEvent = (event) => {
      this.stats.events++;
      if (event.time > latest) latest = event.time;
    };
    messagesOfJob(job, {
      message: (message) => {
        this.stats.messages++;
        latest = Number.NEGATIVE_INFINITY;
        const eventsBefore = this.stats.events;
        decodeMessage(message.body, message.location, this, this.options.recordDefaults);
        if (latest !== Number.NEGATIVE_INFINITY && !this.inRange(latest)) {
          // The whole message goes: its events count as outside the range, not as events.
          this.outsideRange += this.stats.events - eventsBefore;
          this.stats.events = eventsBefore;
          return;
        }
        this.positions.push(this.times.length);
        this.payloads.push(message as T);
        this.times.push(latest);
        if (latest !== Number.NEGATIVE_INFINITY) this.frontier = latest;
      },
      bad: (reason, location, raw) => this.quarantine(quarantineEntry(reason, location, raw)),
    });
  }

  record(record: AuditRecord): void {
    this.stats.records++;
    const result = normalizeAuditRecord(record);
    if (result.ok) this.onEvent(result.event);
    else {
      this.quarantined.push(quarantineEntry(result.reason, record.location, record.log));
      this.stats.quarantined++;
    }
  }

  skip(category: string): void {
    this.stats.records++;
    this.stats.skipped[category] = (this.stats.skipped[category] ?? 0) + 1;
  }

  quarantine(entry: QuarantineEntry): void {
    this.quarantined.push(entry);
    this.stats.records++;
    this.stats.quarantined++;
  }

  private inRange(time: number): boolean {
    const { from, to } = this.options;
    return (from === undefined || time >= from) && (to === undefined || time < to);
  }

  build(bytes: number): ParsedRun<T> {
    const sorted = sortByTime(this.times, this.positions, this.payloads);
    return { ...sorted, frontier: this.frontier, quarantined: this.quarantined, stats: this.stats, outsideRange: this.outsideRange, bytes };
  }
}

/** Sorts items by (time, input order); payload positions follow their items. Input order is usually sorted already. */
function sortByTime<T>(times: number[], positions: number[], payloads: T[]): Pick<ParsedRun<T>, "times" | "positions" | "payloads"> {
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = (times[i] as number) >= (times[i - 1] as number);
  if (sorted) return { times: Float64Array.from(times), positions: Int32Array.from(positions), payloads };
  const order = Array.from(times.keys()).sort((a, b) => {
    const ta = times[a] as number;
    const tb = times[b] as number;
    return ta < tb ? -1 : ta > tb ? 1 : a - b;
  });
  const rank = new Int32Array(times.length);
  const sortedTimes = new Float64Array(times.length);
  order.forEach((index, k) => {
    rank[index] = k;
    sortedTimes[k] = times[index] as number;
  });
  const carried = positions.map((p, j) => ({ at: rank[p] as number, payload: payloads[j] as T })).sort((a, b) => a.at - b.at);
  return { times: sortedTimes, positions: Int32Array.from(carried, (c) => c.at), payloads: carried.map((c) => c.payload) };
}
