/**
 * Timing for the benchmark: the parse floor, the pipeline, and the protocol of
 * shared/research/performance.md §3 (warm up, loops of at least `minMs`, median of the rounds).
 *
 * Floor and pipeline are timed in the same loop, batch by batch and in alternating order, so that a
 * noisy neighbour, a frequency change or a garbage collection of the other side's leftovers hits both
 * alike. On a shared 2-vCPU machine, timing them in separate blocks gave ratios from 0.7 to 1.15 for the
 * same code; paired batches keep the ratio within a few percent.
 */
import { performance } from "node:perf_hooks";
import { type InputMessage, Pipeline } from "../pipeline/pipeline.js";

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

/** What one pipeline pass over all messages saw (a fresh Pipeline with its default in-memory store). */
export interface PassResult {
  readonly events: number;
  readonly quarantined: number;
  readonly selected: number;
  readonly incidents: number;
}

export interface RoundResult {
  readonly floorEventsPerSec: number;
  readonly pipelineEventsPerSec: number;
  /** Of the first pipeline pass of the round. */
  readonly pass: PassResult;
}

/**
 * One round: passes over all messages, `batchSize` messages at a time, each batch parsed by the floor and
 * run through the pipeline (`processMessages`, strings in), alternating which goes first, until each side
 * has run for at least `minMs`. A pass uses a fresh Pipeline, so every pass does the same work.
 */
export async function pairedRound(messages: readonly string[], inputs: readonly InputMessage[], batchSize: number, minMs: number): Promise<RoundResult> {
  let floorMs = 0;
  let floorEvents = 0;
  let pipelineMs = 0;
  let pipelineEvents = 0;
  let first: PassResult | undefined;
  let flip = false;
  do {
    const pipeline = new Pipeline();
    let events = 0;
    let quarantined = 0;
    let selected = 0;
    let incidents = 0;
    for (let i = 0; i < inputs.length; i += batchSize) {
      const texts = messages.slice(i, i + batchSize);
      const batch = inputs.slice(i, i + batchSize);
      flip = !flip;
      if (flip) {
        const t0 = performance.now();
        floorEvents += floorPass(texts);
        floorMs += performance.now() - t0;
      }
      const t1 = performance.now();
      const result = await pipeline.processMessages(batch);
      pipelineMs += performance.now() - t1;
      if (!flip) {
        const t2 = performance.now();
        floorEvents += floorPass(texts);
        floorMs += performance.now() - t2;
      }
      events += result.stats.events;
      quarantined += result.stats.quarantined;
      selected += result.stats.selected;
      incidents += result.incidents.length;
    }
    pipelineEvents += events;
    first ??= { events, quarantined, selected, incidents };
  } while (floorMs < minMs || pipelineMs < minMs);
  return { floorEventsPerSec: (floorEvents / floorMs) * 1000, pipelineEventsPerSec: (pipelineEvents / pipelineMs) * 1000, pass: first };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
