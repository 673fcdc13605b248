/**
 * Units of parsing work: raw bytes cut at boundaries that need no parsing to find (line ends, CSV record
 * ends, Avro block ends), with what is needed to name every record's place. A job is self-contained, so
 * any worker can take any job; its bytes are the sole view of their own ArrayBuffer, transferred, not copied.
 */
import type { SourceLocation } from "../decode/location.js";

/** JSON lines (Event Hub messages, archive records, audit.log events): line `firstLine` starts the bytes. */
export interface LinesJob {
  readonly kind: "lines";
  readonly source: string;
  readonly firstLine: number;
  readonly bytes: Uint8Array;
}

/** A whole JSON document (pretty-printed messages, EventLists, Log Analytics exports); read as lines if it does not parse. */
export interface DocumentJob {
  readonly kind: "document";
  readonly source: string;
  readonly firstLine: number;
  readonly bytes: Uint8Array;
}

/** Whole CSV records of a Log Analytics export; `firstRow` is the first record's row (the header is row 1). */
export interface CsvJob {
  readonly kind: "csv";
  readonly source: string;
  readonly header: readonly string[];
  readonly firstRow: number;
  readonly bytes: Uint8Array;
}

/** Whole blocks of an Avro object container (Event Hubs Capture), as framed in the file. */
export interface AvroJob {
  readonly kind: "avro";
  readonly source: string;
  /** The writer schema, JSON text from the file header. */
  readonly schema: string;
  readonly codec: string;
  /** Index of the first block in the file (0-based), for locations. */
  readonly firstBlock: number;
  readonly bytes: Uint8Array;
}

/** Input that could not be cut into records (an endless line, a corrupt block, an unreadable gzip tail). */
export interface UnreadableJob {
  readonly kind: "unreadable";
  readonly reason: string;
  readonly location: SourceLocation;
}

export type Job = LinesJob | DocumentJob | CsvJob | AvroJob | UnreadableJob;

/** The ArrayBuffers to transfer with a job. */
export function transferablesOf(job: Job): ArrayBuffer[] {
  return job.kind === "unreadable" ? [] : [job.bytes.buffer as ArrayBuffer];
}

/** Bytes of the job's input, for accounting. */
export function jobBytes(job: Job): number {
  return job.kind === "unreadable" ? 0 : job.bytes.byteLength;
}

export interface CutLimits {
  /** Target size of a job: big enough that posting it costs nothing next to parsing it. */
  readonly jobBytes: number;
  /** A line, CSV record or Avro block longer than this is reported and skipped, so one corrupt file cannot fill memory. */
  readonly maxRecordBytes: number;
  /** A file that is one JSON document (not JSON lines) is parsed whole, up to this size. */
  readonly maxDocumentBytes: number;
}

/** `64 MiB`, `256 KiB`: for messages about limits. */
export function formatSize(bytes: number): string {
  return bytes >= 1 << 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;
}

export const DEFAULT_LIMITS: CutLimits = { jobBytes: 1 << 20, maxRecordBytes: 64 << 20, maxDocumentBytes: 256 << 20 };
