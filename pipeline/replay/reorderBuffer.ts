/**
 * Puts events from several inputs back in event-time order, holding only a bounded window. Each input
 * (a sequence of files) is read in order and is nearly sorted; its frontier is the time its latest run
 * ended at. An item is released once every unfinished input's frontier is more than `windowMs` past it,
 * so an input that runs ahead waits for the others, and memory holds about one window of events plus one
 * run per input. An item older than one already released is late: it is released at once and counted.
 *
 * Runs arrive sorted (the workers sort them); this merges runs with a heap keyed by (time, input, run),
 * taking whole stretches of one run at a time, so ties and order never depend on timing or workers.
 */
import type { ParsedRun } from "./parse/parseJob.js";

export interface ReleaseSink<T> {
  item(time: number, payload: T | undefined, late: boolean): void;
}

interface Cursor<T> {
  readonly run: ParsedRun<T>;
  readonly input: number;
  readonly seq: number;
  /** Next item of the run, and next payload. */
  i: number;
  p: number;
}

export class ReorderBuffer<T> {
  private readonly heap: Cursor<T>[] = [];
  private readonly frontiers: number[];
  private readonly finished: boolean[];
  private seq = 0;
  /** Latest time released so far. */
  released = Number.NEGATIVE_INFINITY;
  late = 0;
  buffered = 0;
  peakBuffered = 0;

  constructor(
    inputs: number,
    private readonly windowMs: number,
  ) {
    this.frontiers = Array.from({ length: inputs }, () => Number.NEGATIVE_INFINITY);
    this.finished = Array.from({ length: inputs }, () => false);
  }

  add(input: number, run: ParsedRun<T>): void {
    if (!Number.isNaN(run.frontier) && run.frontier > (this.frontiers[input] as number)) this.frontiers[input] = run.frontier;
    if (run.times.length === 0) return;
    this.heap.push({ run, input, seq: this.seq++, i: 0, p: 0 });
    this.up(this.heap.length - 1);
    this.buffered += run.times.length;
    if (this.buffered > this.peakBuffered) this.peakBuffered = this.buffered;
  }

  finish(input: number): void {
    this.finished[input] = true;
  }

  /** The unfinished input furthest behind (ties to the lowest index), or -1 when all are finished: read it next. */
  nextInput(): number {
    let best = -1;
    for (let i = 0; i < this.frontiers.length; i++) {
      if (!this.finished[i] && (best === -1 || (this.frontiers[i] as number) < (this.frontiers[best] as number))) best = i;
    }
    return best;
  }

  /** Releases, in order, every item the window allows (all of them once every input is finished). */
  release(sink: ReleaseSink<T>): void {
    const behind = this.nextInput();
    const limit = behind === -1 ? Number.POSITIVE_INFINITY : (this.frontiers[behind] as number) - this.windowMs;
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0] as Cursor<T>;
      const { times, positions, payloads } = top.run;
      if ((times[top.i] as number) > limit) break;
      // Take from this run while it stays ahead of the next best run, without touching the heap.
      const next = this.secondBest();
      const bound = next === undefined ? Number.POSITIVE_INFINITY : (next.run.times[next.i] as number);
      const winsTies = next === undefined || top.input < next.input || (top.input === next.input && top.seq < next.seq);
      const stop = Math.min(limit, bound);
      let i = top.i;
      let p = top.p;
      for (; i < times.length; i++) {
        const t = times[i] as number;
        if (t > stop || (t === bound && !winsTies)) break;
        const late = t < this.released && t !== Number.NEGATIVE_INFINITY;
        if (late) this.late++;
        else if (t > this.released) this.released = t;
        const payload = positions[p] === i ? payloads[p++] : undefined;
        sink.item(t, payload, late);
      }
      this.buffered -= i - top.i;
      top.i = i;
      top.p = p;
      if (i === times.length) this.pop();
      else this.down(0);
    }
  }

  private secondBest(): Cursor<T> | undefined {
    const a = this.heap[1];
    const b = this.heap[2];
    if (a === undefined) return b;
    if (b === undefined) return a;
    return this.less(b, a) ? b : a;
  }

  private less(a: Cursor<T>, b: Cursor<T>): boolean {
    const ta = a.run.times[a.i] as number;
    const tb = b.run.times[b.i] as number;
    if (ta !== tb) return ta < tb;
    return a.input !== b.input ? a.input < b.input : a.seq < b.seq;
  }

  private pop(): void {
    const last = this.heap.pop() as Cursor<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i] as Cursor<T>, heap[parent] as Cursor<T>)) return;
      [heap[i], heap[parent]] = [heap[parent] as Cursor<T>, heap[i] as Cursor<T>];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      let smallest = i;
      for (const child of [2 * i + 1, 2 * i + 2]) {
        if (child < heap.length && this.less(heap[child] as Cursor<T>, heap[smallest] as Cursor<T>)) smallest = child;
      }
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as Cursor<T>, heap[i] as Cursor<T>];
      i = smallest;
    }
  }
}
