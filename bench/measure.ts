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
import type { Detection } from "../pipeline/detect/detection.js";
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
  /** Per detection set, in the order given. */
  readonly pipelineEventsPerSec: readonly number[];
  /** Of the first pipeline pass of the round, per detection set. */
  readonly pass: readonly PassResult[];
}

/**
 * One round: passes over all messages, `batchSize` messages at a time, each batch parsed by the floor and
 * run through one pipeline per detection set (`processMessages`, strings in), rotating which goes first,
 * until each side has run for at least `minMs`. A pass uses fresh Pipelines, so every pass does the same
 * work; timing every side batch by batch in one loop keeps their ratios comparable on a noisy machine.
 */
export async function pairedRound(
  messages: readonly string[],
  inputs: readonly InputMessage[],
  batchSize: number,
  minMs: number,
  detectionSets: readonly (readonly Detection[])[],
): Promise<RoundResult> {
  const sides = detectionSets.length + 1;
  const ms = new Array<number>(sides).fill(0);
  const events = new Array<number>(sides).fill(0);
  let first: PassResult[] | undefined;
  let turn = 0;
  do {
    const pipelines = detectionSets.map((detections) => new Pipeline({ detections }));
    const pass = detectionSets.map(() => ({ events: 0, quarantined: 0, selected: 0, incidents: 0 }));
    for (let i = 0; i < inputs.length; i += batchSize) {
      const texts = messages.slice(i, i + batchSize);
      const batch = inputs.slice(i, i + batchSize);
      turn = (turn + 1) % sides;
      for (let k = 0; k < sides; k++) {
        const side = (turn + k) % sides;
        const t0 = performance.now();
        if (side === 0) {
          events[0] = (events[0] as number) + floorPass(texts);
          ms[0] = (ms[0] as number) + performance.now() - t0;
          continue;
        }
        const result = await (pipelines[side - 1] as Pipeline).processMessages(batch);
        ms[side] = (ms[side] as number) + performance.now() - t0;
        events[side] = (events[side] as number) + result.stats.events;
        const p = pass[side - 1] as { events: number; quarantined: number; selected: number; incidents: number };
        p.events += result.stats.events;
        p.quarantined += result.stats.quarantined;
        p.selected += result.stats.selected;
        p.incidents += result.incidents.length;
      }
    }
    first ??= pass;
  } while (ms.some((t) => t < minMs));
  const rate = (side: number) => ((events[side] as number) / (ms[side] as number)) * 1000;
  return { floorEventsPerSec: rate(0), pipelineEventsPerSec: detectionSets.map((_, i) => rate(i + 1)), pass: first };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
