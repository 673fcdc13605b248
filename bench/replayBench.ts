/**
 * Replay throughput from `.gz` files, parsing on the main thread (`--workers 1`) and on two worker threads:
 * a few gzipped files of the kube-audit mix (Event Hub messages of 100 records, one file per partition over
 * the same hour, so the merge interleaves them) are written once to a temp dir, then replayed in rounds
 * that alternate the two settings (same machine noise for both); medians are reported. Workers are started
 * once and reused, so the figures are steady-state throughput; their start-up time is reported apart.
 *
 * Where the time goes: the main thread's event-loop utilization (1.0 = it is the bottleneck), each
 * worker's (below 1.0 = it waited for work), the CPU the process used per second of wall time, and (on
 * Linux, from /proc) CPU time per thread: main, workers, and the rest (gunzip runs on libuv's thread pool,
 * GC on V8's helpers). On a machine shared with other work the wall-clock figures say what that machine
 * gave; the CPU times give the bound on two idle cores: wall ≥ the busiest thread, and ≥ all CPU / 2.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventLoopUtilization, performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Parser } from "../pipeline/replay/parsers.js";
import { createParser, runReplay } from "../pipeline/replay/runReplay.js";
import { MemoryStateStore } from "../pipeline/state/memoryStateStore.js";
import type { PreparedEvent } from "../pipeline/detect/preparedBatch.js";
import { buildMix } from "../scripts/synthetic/benchMixes.js";

export interface ReplayBenchOptions {
  /** Gzipped input files (one per partition). Default 4. */
  readonly files?: number;
  /** Event Hub messages of 100 records per file. Default 150 (15,000 events per file). */
  readonly messagesPerFile?: number;
  /** Rounds, each replaying with 1 thread and with 2 workers. Default 5. */
  readonly rounds?: number;
  readonly seed?: number;
}

export interface ReplayRun {
  readonly eventsPerSec: number;
  readonly seconds: number;
  /** Main thread's event-loop utilization during the replay (0–1). */
  readonly mainUtilization: number;
  /** Each worker's event-loop utilization during the replay (0–1); empty on the main thread. */
  readonly workerUtilization: number[];
  /** Process CPU time (all threads, thread pool included) per second of wall time. */
  readonly cpuCores: number;
  /** CPU ms by thread (Linux): main, the busiest threads besides main (the workers), everything else. */
  readonly cpuMs: { readonly main: number; readonly workers: number[]; readonly other: number } | undefined;
  /** Throughput two idle cores would allow at most, from the CPU times: events / max(busiest thread, all CPU / 2). */
  readonly twoIdleCoresEventsPerSec: number | undefined;
}

export interface ReplayBenchResult {
  readonly events: number;
  readonly files: number;
  readonly inputMiB: number;
  readonly gzipMiB: number;
  /** Median of the rounds, parsing on the main thread. */
  readonly oneThread: ReplayRun;
  /** Median of the rounds, two parse workers. */
  readonly twoWorkers: ReplayRun;
  /** twoWorkers.eventsPerSec / oneThread.eventsPerSec, median of the rounds' ratios. */
  readonly speedup: number;
  readonly rounds: { readonly oneThread: number[]; readonly twoWorkers: number[]; readonly speedup: number[] };
  /** Time to start two workers and parse a first job (under tsx). */
  readonly workerStartMs: number;
  /** The same ratio from the CPU-time bounds (what two idle cores would give), when /proc is there. */
  readonly twoIdleCoresSpeedup: number | undefined;
}

export const TARGET_SPEEDUP = 1.8;

/** Writes the input, replays it in rounds with 1 thread and 2 workers, and removes the input. */
export async function benchReplay(options: ReplayBenchOptions = {}): Promise<ReplayBenchResult> {
  const files = options.files ?? 4;
  const dir = await mkdtemp(join(tmpdir(), "kubetrail-replay-bench-"));
  try {
    let inputBytes = 0;
    let gzipBytes = 0;
    let events = 0;
    for (let i = 0; i < files; i++) {
      const mix = buildMix("kube-audit", {
        messages: options.messagesPerFile ?? 150,
        seed: (options.seed ?? 20250602) + i,
        startTime: Date.UTC(2026, 10, 20, 8),
      });
      const text = `${mix.messages.join("\n")}\n`;
      const gz = await promisify(gzip)(text);
      await writeFile(join(dir, `partition-${i}.jsonl.gz`), gz);
      inputBytes += Buffer.byteLength(text);
      gzipBytes += gz.length;
      events += mix.stats.events;
    }

    const started = performance.now();
    const workers = createParser({ workers: 2 });
    await warm(workers, dir);
    const workerStartMs = performance.now() - started;
    const oneThread: ReplayRun[] = [];
    const twoWorkers: ReplayRun[] = [];
    try {
      await replayOnce(dir, undefined, events); // JIT warm-up of the main thread's path
      for (let round = 0; round < (options.rounds ?? 5); round++) {
        oneThread.push(await replayOnce(dir, undefined, events));
        twoWorkers.push(await replayOnce(dir, workers, events));
      }
    } finally {
      await workers.close();
    }
    const ratios = oneThread.map((one, i) => (twoWorkers[i]?.eventsPerSec ?? 0) / one.eventsPerSec);
    const bound = (runs: readonly ReplayRun[]) => median(runs.map((r) => r.twoIdleCoresEventsPerSec ?? Number.NaN));
    const idleSpeedup = bound(twoWorkers) / bound(oneThread);
    return {
      events,
      files,
      inputMiB: inputBytes / 2 ** 20,
      gzipMiB: gzipBytes / 2 ** 20,
      oneThread: medianRun(oneThread),
      twoWorkers: medianRun(twoWorkers),
      speedup: median(ratios),
      rounds: { oneThread: oneThread.map((r) => r.eventsPerSec), twoWorkers: twoWorkers.map((r) => r.eventsPerSec), speedup: ratios },
      workerStartMs,
      twoIdleCoresSpeedup: Number.isFinite(idleSpeedup) ? idleSpeedup : undefined,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lines for the bench's report. */
export function formatReplayBench(r: ReplayBenchResult): string[] {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const cpu = (run: ReplayRun) =>
    run.cpuMs
      ? `; CPU ms main ${run.cpuMs.main}${run.cpuMs.workers.length ? `, workers ${run.cpuMs.workers.join(" / ")}` : ""}, other threads ${run.cpuMs.other}`
      : "";
  const where = (run: ReplayRun) =>
    `main thread busy ${pct(run.mainUtilization)}${run.workerUtilization.length ? `, workers busy ${run.workerUtilization.map(pct).join(" / ")}` : ""}, ${run.cpuCores.toFixed(2)} cores of CPU${cpu(run)}`;
  return [
    `replay from .gz: ${r.files} files, ${r.events} events, ${r.inputMiB.toFixed(1)} MiB (${r.gzipMiB.toFixed(1)} MiB gzipped), median of ${r.rounds.speedup.length} rounds`,
    `  1 thread   ${k(r.oneThread.eventsPerSec)} ev/s  (${where(r.oneThread)})`,
    `  2 workers  ${k(r.twoWorkers.eventsPerSec)} ev/s  (${where(r.twoWorkers)})`,
    `  speedup ${r.speedup.toFixed(2)}× (target ≥ ${TARGET_SPEEDUP}× on 2 cores: ${r.speedup >= TARGET_SPEEDUP ? "met" : "MISSED"}); rounds 1 thread [${r.rounds.oneThread.map(k).join(", ")}], 2 workers [${r.rounds.twoWorkers.map(k).join(", ")}]; workers start in ${Math.round(r.workerStartMs)} ms`,
    ...(r.twoIdleCoresSpeedup === undefined
      ? []
      : [
          `  on two idle cores (bound from CPU times): 1 thread ≤ ${k(r.oneThread.twoIdleCoresEventsPerSec ?? 0)} ev/s, 2 workers ≤ ${k(r.twoWorkers.twoIdleCoresEventsPerSec ?? 0)} ev/s, speedup ≤ ${r.twoIdleCoresSpeedup.toFixed(2)}×`,
        ]),
  ];
}

async function replayOnce(dir: string, parser: Parser<PreparedEvent> | undefined, events: number): Promise<ReplayRun> {
  const workersBefore = parser?.utilization() ?? [];
  const mainBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const threadsBefore = threadCpuMs();
  const t0 = performance.now();
  const result = await runReplay({ inputs: [dir], store: new MemoryStateStore(), parser, workers: 1 });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (result.stats.events !== events) throw new Error(`replay bench: read ${result.stats.events} events, wrote ${events}`);
  const workersAfter = parser?.utilization() ?? [];
  const cpuMs = threadsBefore && cpuByRole(threadsBefore, threadCpuMs(), parser?.threads === 1 ? 0 : (parser?.threads ?? 0));
  const busiest = cpuMs ? Math.max(cpuMs.main, ...cpuMs.workers) : 0;
  const all = cpuMs ? cpuMs.main + cpuMs.other + cpuMs.workers.reduce((a, b) => a + b, 0) : 0;
  return {
    eventsPerSec: events / seconds,
    seconds,
    mainUtilization: performance.eventLoopUtilization(mainBefore).utilization,
    workerUtilization: workersAfter.map((after, i) => delta(after, workersBefore[i]).utilization),
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
    cpuMs,
    twoIdleCoresEventsPerSec: cpuMs ? (events * 1000) / Math.max(busiest, all / 2) : undefined,
  };
}

/** CPU ms of each thread of this process (Linux /proc; undefined elsewhere). */
function threadCpuMs(): Map<string, number> | undefined {
  try {
    const out = new Map<string, number>();
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10); // utime + stime, in clock ticks of 10 ms
    }
    return out;
  } catch {
    return undefined;
  }
}

function cpuByRole(before: Map<string, number>, after: Map<string, number> | undefined, workers: number): ReplayRun["cpuMs"] {
  if (!after) return undefined;
  const used = [...after].map(([tid, ms]) => ({ tid, ms: ms - (before.get(tid) ?? 0) }));
  const main = used.find((t) => t.tid === String(process.pid))?.ms ?? 0;
  const rest = used.filter((t) => t.tid !== String(process.pid)).sort((a, b) => b.ms - a.ms);
  const busiest = rest.slice(0, workers).map((t) => t.ms);
  return { main, workers: busiest, other: rest.slice(workers).reduce((sum, t) => sum + t.ms, 0) };
}

/** Starts the workers' module loading and JIT with one small replay. */
async function warm(parser: Parser<PreparedEvent>, dir: string): Promise<void> {
  await runReplay({ inputs: [join(dir, "partition-0.jsonl.gz")], store: new MemoryStateStore(), parser });
}

function delta(after: EventLoopUtilization, before: EventLoopUtilization | undefined): EventLoopUtilization {
  return before ? performance.eventLoopUtilization(after, before) : after;
}

function medianRun(runs: readonly ReplayRun[]): ReplayRun {
  const sorted = [...runs].sort((a, b) => a.eventsPerSec - b.eventsPerSec);
  return sorted[sorted.length >> 1] as ReplayRun;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
