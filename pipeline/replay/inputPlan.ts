/**
 * Turns the paths a user gave into what a replay reads: files grouped into sequences (an archive tree's
 * hours per cluster, a Capture partition, an audit.log with its rotations; any other file alone), each
 * sequence oldest first. Sequences are read side by side and merged by event time. Archive and Capture
 * files whose path puts them outside --from/--to are left out without being opened.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { compareOrder, type FileKind, fileKindOf } from "./fileKinds.js";

export class InputError extends Error {
  override readonly name = "InputError";
}

export interface InputFile {
  readonly path: string;
  /** Size on disk (compressed for `.gz`); 0 for stdin. */
  readonly size: number;
  readonly kind: FileKind;
}

export interface InputSequence {
  readonly key: string;
  readonly files: readonly InputFile[];
}

export interface InputPlan {
  readonly sequences: readonly InputSequence[];
  readonly files: number;
  readonly bytes: number;
  /** Archive and Capture files left out by --from/--to, unopened. */
  readonly skippedFiles: number;
}

export interface TimeRange {
  /** Epoch ms, inclusive. */
  readonly from?: number;
  /** Epoch ms, exclusive. */
  readonly to?: number;
}

/**
 * Records reach an archive blob or a Capture file when they are appended, which can be a while after they
 * happened: files written up to this long after --to are still read (their records are filtered by time).
 */
export const LATE_ARRIVAL_GRACE_MS = 3_600_000;

/** Files a directory walk reads: JSON, JSON lines, audit logs (rotated `.1`), CSV and Avro exports, gzipped or not. */
const READABLE = /^[^.].*\.(json|jsonl|ndjson|log|csv|avro)(\.\d+)?(\.gz)?$/;

export async function planInputs(paths: readonly string[], range: TimeRange = {}): Promise<InputPlan> {
  const files: InputFile[] = [];
  for (const path of paths) {
    if (path === "-") {
      files.push({ path, size: 0, kind: { format: "text", gzipped: false, sequence: "stdin", order: [0] } });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      throw new InputError(`${path}: cannot read input (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (info.isDirectory()) files.push(...(await walk(path)));
    else files.push({ path, size: info.size, kind: fileKindOf(path) });
  }

  const bySequence = new Map<string, InputFile[]>();
  let skippedFiles = 0;
  for (const file of files) {
    if (!overlaps(file.kind, range)) {
      skippedFiles++;
      continue;
    }
    const list = bySequence.get(file.kind.sequence);
    if (list) {
      if (!list.some((f) => f.path === file.path)) list.push(file);
    } else bySequence.set(file.kind.sequence, [file]);
  }
  const sequences = [...bySequence].map(([key, list]) => ({ key, files: list.sort((a, b) => compareOrder(a.kind.order, b.kind.order)) }));
  const read = sequences.flatMap((s) => s.files);
  return { sequences, files: read.length, bytes: read.reduce((sum, f) => sum + f.size, 0), skippedFiles };
}

function overlaps(kind: FileKind, range: TimeRange): boolean {
  const written = kind.written;
  if (!written) return true;
  if (range.from !== undefined && written.end <= range.from) return false;
  if (range.to !== undefined && written.start >= range.to + LATE_ARRIVAL_GRACE_MS) return false;
  return true;
}

async function walk(dir: string): Promise<InputFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: InputFile[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile() && READABLE.test(entry.name)) files.push({ path, size: (await stat(path)).size, kind: fileKindOf(path) });
  }
  return files;
}
