/**
 * What a file's path says about it: its format, whether it is gzipped, which sequence of files it
 * belongs to (an archive tree's hours, a Capture partition's windows, an audit.log and its rotations),
 * its place in that sequence, and, for archives and Capture files, the time its records were written.
 */
import { basename, dirname } from "node:path";

export type FileFormat = "text" | "csv" | "avro";

export interface FileKind {
  readonly format: FileFormat;
  readonly gzipped: boolean;
  /** Files with the same key are one sequence, read one after another (oldest first). */
  readonly sequence: string;
  /** Orders files within their sequence: compared element by element. */
  readonly order: readonly (number | string)[];
  /** When the path names the time its records were appended: [start, end) in epoch ms. */
  readonly written?: { readonly start: number; readonly end: number };
}

const HOUR = 3_600_000;
/** Event Hubs Capture closes a file after its time window, at most 15 minutes. */
const CAPTURE_WINDOW_MAX = 15 * 60_000;

/** `insights-logs-kube-audit/resourceId=…/y=2026/m=11/d=20/h=10/m=00/PT1H.json`: one blob per resource and hour. */
const ARCHIVE = /^(.*)\/y=(\d{4})\/m=(\d{1,2})\/d=(\d{1,2})\/h=(\d{1,2})\/m=(\d{1,2})\/[^/]+$/;
/** Capture's default name, `{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}.avro`. */
const CAPTURE = /^(.*)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})\.avro$/;
/**
 * kube-apiserver's log backend rotates with lumberjack (`audit-2026-11-20T10-00-00.000.log`, UTC);
 * logrotate numbers instead (`audit.log.1`, `audit.log.2.gz`). Both are older than `audit.log`.
 */
const ROTATED_LOG = /^(.+?)(?:-(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})(?:\.(\d{3}))?)?\.log(?:\.(\d+))?$/;

export function fileKindOf(path: string): FileKind {
  const gzipped = path.endsWith(".gz");
  const plain = gzipped ? path.slice(0, -3) : path;
  const format: FileFormat = plain.endsWith(".avro") ? "avro" : plain.endsWith(".csv") ? "csv" : "text";
  const unixPath = plain.replaceAll("\\", "/");

  const archive = ARCHIVE.exec(unixPath);
  if (archive) {
    const start = utc(archive, 2);
    return { format, gzipped, sequence: `archive:${archive[1]}`, order: [start, path], written: { start, end: start + HOUR } };
  }
  const capture = format === "avro" ? CAPTURE.exec(unixPath) : null;
  if (capture) {
    const start = utc(capture, 2);
    return { format, gzipped, sequence: `capture:${capture[1]}`, order: [start, path], written: { start, end: start + CAPTURE_WINDOW_MAX } };
  }
  const rotated = format === "text" ? ROTATED_LOG.exec(basename(plain)) : null;
  if (rotated) {
    const sequence = `log:${dirname(path)}/${rotated[1]}`;
    // Timestamped backups by time, then numbered ones from the highest number, then the live file.
    if (rotated[2] !== undefined) return { format, gzipped, sequence, order: [0, utc(rotated, 2) + Number(rotated[8] ?? 0)] };
    if (rotated[9] !== undefined) return { format, gzipped, sequence, order: [1, -Number(rotated[9])] };
    return { format, gzipped, sequence, order: [2, 0] };
  }
  return { format, gzipped, sequence: `file:${path}`, order: [0] };
}

/** Year, month, day, hour, minute and (when matched) second from consecutive regex groups, as UTC. */
function utc(m: RegExpExecArray, first: number): number {
  const n = (i: number) => Number(m[first + i] ?? 0);
  return Date.UTC(n(0), n(1) - 1, n(2), n(3), n(4), n(5));
}

export function compareOrder(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
