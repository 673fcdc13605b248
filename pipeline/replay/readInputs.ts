/**
 * The messages of one file in file order, each with its place, read on this thread: what a replay reads,
 * without the merge across files. For tests and tools that look at one file.
 */
import type { Readable } from "node:stream";
import type { SourceLocation } from "../decode/location.js";
import type { InputMessage } from "../pipeline.js";
import { fileJobs } from "./cut/fileJobs.js";
import { fileKindOf } from "./fileKinds.js";
import { DEFAULT_LIMITS } from "./jobs.js";
import { messagesOfJob } from "./parse/messagesOfJob.js";

export { InputError } from "./inputPlan.js";

export interface ReadOptions {
  /** Called with the number of raw bytes read from disk, for progress. */
  readonly onBytes?: (bytes: number) => void;
  readonly stdin?: Readable;
  /** Input that could not be made into a message (an unreadable block, a row that is not CSV). */
  readonly onBad?: (reason: string, location: SourceLocation) => void;
}

export async function* readMessages(file: { readonly path: string; readonly size?: number }, options: ReadOptions = {}): AsyncGenerator<InputMessage> {
  const kind = file.path === "-" ? { ...fileKindOf("stdin"), gzipped: false } : fileKindOf(file.path);
  for await (const job of fileJobs({ path: file.path, size: 0, kind }, { limits: DEFAULT_LIMITS, onBytes: options.onBytes, stdin: options.stdin })) {
    const messages: InputMessage[] = [];
    messagesOfJob(job, { message: (m) => messages.push(m), bad: (reason, location) => options.onBad?.(reason, location) });
    yield* messages;
  }
}
