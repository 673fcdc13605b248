/**
 * Where jobs are parsed: on the main thread (`--workers 1`), or on worker threads that receive the raw
 * bytes (transferred) and send back sorted runs. Detection state stays on the main thread either way.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { EventLoopUtilization } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { type Job, transferablesOf } from "./jobs.js";
import { type ParsedRun, type ParseMode, type ParseOptions, type PayloadOf, type Prepare, parseJob } from "./parse/parseJob.js";
import type { WorkerRequest, WorkerSetup } from "./parseWorker.js";

export interface Parser<T> {
  parse(job: Job): Promise<ParsedRun<T>>;
  close(): Promise<void>;
  /** Threads parsing: 1 for the main thread, else the number of workers. */
  readonly threads: number;
  /** Each worker's event-loop use since it started (diff two readings with performance.eventLoopUtilization); empty on the main thread. */
  utilization(): EventLoopUtilization[];
}

export class InProcessParser<M extends ParseMode> implements Parser<PayloadOf<M>> {
  readonly threads = 1;

  constructor(
    private readonly mode: M,
    private readonly prepare: Prepare,
    private readonly options: ParseOptions,
  ) {}

  parse(job: Job): Promise<ParsedRun<PayloadOf<M>>> {
    try {
      return Promise.resolve(parseJob(job, this.mode, this.prepare, this.options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {}

  utilization(): EventLoopUtilization[] {
    return [];
  }
}

interface Slot {
  readonly worker: Worker;
  outstanding: number;
}

type WorkerReply<T> = { id: number; run: ParsedRun<T>; error?: undefined } | { id: number; error: string };

export class WorkerParser<M extends ParseMode> implements Parser<PayloadOf<M>> {
  private readonly slots: Slot[];
  private readonly waiting = new Map<number, { slot: Slot; resolve: (run: ParsedRun<PayloadOf<M>>) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(count: number, setup: WorkerSetup) {
    this.slots = Array.from({ length: count }, (_, i) => {
      const slot: Slot = { worker: startWorker(setup), outstanding: 0 };
      slot.worker.on("message", (reply: WorkerReply<PayloadOf<M>>) => this.settle(reply));
      slot.worker.on("error", (error) => this.fail(new Error(`parse worker ${i} failed: ${error.message}`)));
      slot.worker.on("exit", (code) => {
        if (!this.closing) this.fail(new Error(`parse worker ${i} exited with code ${code}`));
      });
      return slot;
    });
  }

  get threads(): number {
    return this.slots.length;
  }

  parse(job: Job): Promise<ParsedRun<PayloadOf<M>>> {
    if (this.failure) return Promise.reject(this.failure);
    // The least busy worker; ties to the lowest index. Which worker parses a job never changes its result.
    const slot = this.slots.reduce((best, s) => (s.outstanding < best.outstanding ? s : best));
    const id = this.nextId++;
    slot.outstanding++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { slot, resolve, reject });
      const request: WorkerRequest = { id, job };
      slot.worker.postMessage(request, transferablesOf(job));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  utilization(): EventLoopUtilization[] {
    return this.slots.map((s) => s.worker.performance.eventLoopUtilization());
  }

  private settle(reply: WorkerReply<PayloadOf<M>>): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    waiter.slot.outstanding--;
    if (reply.error !== undefined) waiter.reject(new Error(`parse worker failed: ${reply.error}`));
    else waiter.resolve(reply.run);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/**
 * Starts parseWorker compiled (`.js` beside this file) or, when this file runs as TypeScript (tsx, vitest),
 * through a bootstrap that registers tsx in the worker first: Node does not apply the parent's loader hooks
 * to a worker's entry file, so `new Worker("parseWorker.ts")` fails even under `tsx`.
 */
/** tsx's ESM register API as a file URL (a data: URL cannot import bare specifiers). */
function tsxEsmApi(from: string): string {
  if (typeof import.meta.resolve === "function") return import.meta.resolve("tsx/esm/api");
  // Under a test runner that rewrites import.meta: read the export map.
  const manifest = createRequire(from).resolve("tsx/package.json");
  const exports = (JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(manifest), exports["./esm/api"]?.import.default ?? "dist/esm/api/index.mjs")).href;
}

function startWorker(setup: WorkerSetup): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./parseWorker.js", here), { workerData: setup });
  const script = new URL("./parseWorker.ts", here).href;
  const bootstrap = `const { register } = await import(${JSON.stringify(tsxEsmApi(here))}); register(); await import(${JSON.stringify(script)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: setup });
}
