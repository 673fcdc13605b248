/**
 * A parse worker: receives jobs (raw bytes, transferred), answers with sorted runs. In `events` mode it
 * loads the detection registry and prepares each event as the main thread would (select, fold what needs
 * no memory), so only what detection keeps is copied back: a few hundred bytes per kept event instead of
 * every selected event with its bodies, whose copying cost more than the parsing it saved.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ResolvedSettings } from "../config/settings.js";
import { EventPreparer } from "../detect/preparedBatch.js";
import type { Job } from "./jobs.js";
import { type ParseMode, type ParseOptions, type Prepare, parseJob } from "./parse/parseJob.js";

/** What every worker is started with (workerData): plain data, since detections are code. */
export interface WorkerSetup {
  readonly mode: ParseMode;
  /** Ids of the registry's detections to prepare events for (`events` mode), with their resolved settings. */
  readonly detections: readonly string[];
  readonly settings: ResolvedSettings;
  readonly options: ParseOptions;
}

export interface WorkerRequest {
  readonly id: number;
  readonly job: Job;
}

const setup = workerData as WorkerSetup;
const prepare = await preparerOf(setup);
const port = parentPort;

port?.on("message", (request: WorkerRequest) => {
  try {
    const run = parseJob(request.job, setup.mode, prepare, setup.options);
    port.postMessage({ id: request.id, run }, [run.times.buffer as ArrayBuffer, run.positions.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});

/** Loads the detections only when events are prepared here: a `messages` worker starts without them. */
async function preparerOf({ mode, detections, settings }: WorkerSetup): Promise<Prepare> {
  if (mode !== "events") return () => undefined;
  const { allDetections } = await import("../../detections/index.js");
  const wanted = new Set(detections);
  const preparer = new EventPreparer(
    allDetections.filter((d) => wanted.has(d.id)),
    settings,
  );
  return (event, stats) => preparer.prepareEvent(event, stats);
}
