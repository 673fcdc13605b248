/**
 * Reads one input's jobs ahead of the merge and hands them to the parser, within a budget of jobs shared
 * by all inputs: the workers stay busy while the merge waits on one input, and memory stays bounded by
 * the budget however large the files are (the file itself is only read as far as the jobs taken).
 */
import { type Job, jobBytes } from "./jobs.js";
import type { ParsedRun } from "./parse/parseJob.js";
import type { Parser } from "./parsers.js";

/** Jobs taken from all inputs whose runs the merge has not consumed yet, and the bytes they hold. */
export class ReadBudget {
  jobs = 0;
  bytes = 0;
  peakBytes = 0;

  constructor(readonly maxJobs: number) {}

  get available(): boolean {
    return this.jobs < this.maxJobs;
  }

  take(bytes: number): void {
    this.jobs++;
    this.bytes += bytes;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
  }

  give(bytes: number): void {
    this.jobs--;
    this.bytes -= bytes;
  }
}

export class ReadAhead<T> {
  private readonly results: { run: Promise<ParsedRun<T>>; bytes: number }[] = [];
  private exhausted = false;
  private pumping = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  /** Jobs this input may hold ahead of the merge (the budget still caps all inputs together). */
  private ahead = 1;

  constructor(
    private readonly jobs: AsyncGenerator<Job>,
    private readonly parser: Parser<T>,
    private readonly budget: ReadBudget,
  ) {}

  /** Starts taking jobs, up to `ahead` queued while the budget allows (and one regardless, when `needed`). */
  pump(ahead: number, needed = false): void {
    this.ahead = ahead;
    if (this.pumping || this.exhausted || this.failure !== undefined) return;
    if (!needed && !this.wants()) return;
    this.pumping = true;
    void this.take(needed);
  }

  private wants(): boolean {
    return this.budget.available && this.results.length < this.ahead;
  }

  /** The next run in input order, or undefined when the input is done. */
  async next(): Promise<ParsedRun<T> | undefined> {
    for (;;) {
      const head = this.results.shift();
      if (head) {
        try {
          return await head.run;
        } finally {
          this.budget.give(head.bytes);
        }
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.exhausted) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.pump(this.ahead, true);
      });
      this.wake = undefined;
    }
  }

  /** Stops reading (closes the file being read). */
  async close(): Promise<void> {
    this.exhausted = true;
    await this.jobs.return(undefined);
  }

  private async take(needed: boolean): Promise<void> {
    try {
      while (!this.exhausted && (needed || this.wants())) {
        const next = await this.jobs.next();
        if (next.done) {
          this.exhausted = true;
          break;
        }
        const bytes = jobBytes(next.value);
        this.budget.take(bytes);
        const run = this.parser.parse(next.value);
        run.catch(() => undefined); // rejected runs surface in next()
        this.results.push({ run, bytes });
        needed = false;
        this.wake?.();
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.pumping = false;
      this.wake?.();
    }
  }
}
