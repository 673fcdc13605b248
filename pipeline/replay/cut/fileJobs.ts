/** The jobs of one input file: its bytes (gunzipped) cut by the cutter its format needs. */
import type { Readable } from "node:stream";
import { readBytes } from "../byteSource.js";
import type { InputFile } from "../inputPlan.js";
import type { CutLimits, Job } from "../jobs.js";
import { avroJobs } from "./avroJobs.js";
import { csvJobs } from "./csvJobs.js";
import { textJobs } from "./textJobs.js";

export interface FileJobsOptions {
  readonly limits: CutLimits;
  readonly onBytes?: (bytes: number) => void;
  readonly signal?: AbortSignal;
  readonly stdin?: Readable;
}

export async function* fileJobs(file: InputFile, options: FileJobsOptions): AsyncGenerator<Job> {
  const chunks = readBytes(file.path, {
    gzipped: file.kind.gzipped,
    onBytes: options.onBytes,
    signal: options.signal,
    stdin: options.stdin,
    readBytes: options.limits.jobBytes,
  });
  const cutter = file.kind.format === "avro" ? avroJobs : file.kind.format === "csv" ? csvJobs : textJobs;
  try {
    yield* cutter(file.path, chunks, options.limits);
  } finally {
    await chunks.return(undefined); // closes the file when the cutter stopped early
  }
}
