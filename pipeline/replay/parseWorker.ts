/**
 * A parse worker: receives jobs (raw bytes, transferred), answers with sorted runs. It selects events with
 * the enabled detections' selectors (plain data, sent at start), so only events some detection needs are
 * copied back, without loading the detections themselves (which halves a worker's start).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Detection } from "../detect/detection.js";
import { SelectionIndex } from "../detect/selectionIndex.js";
import type { Job } from "./jobs.js";
import { type ParseMode, type ParseOptions, parseJob } from "./parse/parseJob.js";

/** What every worker is started with (workerData). */
export interface WorkerSetup {
  readonly mode: ParseMode;
  /** What each enabled detection selects. */
  readonly selectors: readonly Pick<Detection, "id" | "select">[];
  readonly options: ParseOptions;
}

export interface WorkerRequest {
  readonly id: number;
  readonly job: Job;
}

const setup = workerData as WorkerSetup;
// SelectionIndex reads a detection's id and select only: the rest of a detection (code) stays on the main thread.
const index = new SelectionIndex(setup.selectors as readonly Detection[]);
const selects = (event: Parameters<SelectionIndex["candidates"]>[0]) => index.candidates(event).length > 0;
const port = parentPort;

port?.on("message", (request: WorkerRequest) => {
  try {
    const run = parseJob(request.job, setup.mode, selects, setup.options);
    port.postMessage({ id: request.id, run }, [run.times.buffer as ArrayBuffer, run.positions.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
