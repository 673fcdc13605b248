/**
 * Timing helpers for the benchmark: the parse floor, one pipeline pass, and the protocol of
 * shared/research/performance.md §3 (warm up, loops of at least `minMs`, median of the rounds).
 */
import { performance } from "node:perf_hooks";
import { type InputMessage, Pipeline } from "../pipeline/pipeline.js";

export interface PassResult {
  readonly events: number;
  readonly quarantined: number;
  readonly selected: number;
  readonly incidents: number;
}

/**
 * The physical floor: `JSON.parse` of each message, then of each record's `properties.log`, nothing else.
 * Returns the number of events parsed.
 */
export function floorPass(messages: readonly string[]): number {
  let events = 0;
  for (const text of messages) {
    const outer = JSON.parse(text) as { records: { properties: { log: string } }[] };
    const records = outer.records;
    for (let i = 0; i < records.length; i++) {
      const inner: unknown = JSON.parse((records[i] as { properties: { log: string } }).properties.log);
      if (inner !== null) events++;
    }
  }
  return events;
}

/** The whole pipeline (decode, normalize, detect, in-memory state) over all messages, `batchSize` messages per call. */
export async function pipelinePass(inputs: readonly InputMessage[], batchSize: number): Promise<PassResult> {
  const pipeline = new Pipeline();
  let events = 0;
  let quarantined = 0;
  let selected = 0;
  let incidents = 0;
  for (let i = 0; i < inputs.length; i += batchSize) {
    const result = await pipeline.processMessages(inputs.slice(i, i + batchSize));
    events += result.stats.events;
    quarantined += result.stats.quarantined;
    selected += result.stats.selected;
    incidents += result.incidents.length;
  }
  return { events, quarantined, selected, incidents };
}

export interface Rate {
  readonly eventsPerSec: number;
  readonly events: number;
  readonly ms: number;
}

/** Runs whole passes until at least `minMs` have elapsed; events per second over the loop. */
export async function timeLoop(pass: () => number | Promise<number>, minMs: number): Promise<Rate> {
  let events = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    events += await pass();
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return { eventsPerSec: (events / elapsed) * 1000, events, ms: elapsed };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
