/**
 * Text files: JSON lines, cut at line ends into jobs of about `jobBytes`; or, when the file does not start
 * with JSON lines, one whole JSON document (a pretty-printed message, an EventList, a Log Analytics
 * export). Decided from the first two non-empty lines, so a JSON-lines file whose first line is truncated
 * is still streamed line by line instead of read whole.
 */
import { type CutLimits, formatSize, type Job } from "../jobs.js";
import { countNewlines, PendingBytes, pull } from "./pendingBytes.js";

export async function* textJobs(source: string, chunks: AsyncIterator<Buffer>, limits: CutLimits): AsyncGenerator<Job> {
  const pending = new PendingBytes(2 * limits.jobBytes);
  let failure: string | undefined;
  let eof = false;
  let peek = peekLines(pending.flat(), false);
  while (!peek.decided && pending.length < limits.maxDocumentBytes) {
    const next = await pull(chunks);
    if ("end" in next) {
      if (next.aborted) return; // stopped: what was not cut into jobs yet is not read
      eof = true;
      failure = next.failure;
      peek = peekLines(pending.flat(), true);
      break;
    }
    pending.push(next.chunk);
    peek = peekLines(pending.flat(), false);
  }
  if (peek.lines.length > 0 && isDocument(peek.lines)) {
    yield* documentJob(source, pending, chunks, peek.lines[0]?.line ?? 1, limits, eof, failure);
    return;
  }
  yield* lineJobs(source, pending, chunks, 1, limits, eof, failure);
}

/** Streams line-aligned jobs; a line longer than maxRecordBytes is reported and skipped. */
export async function* lineJobs(
  source: string,
  pending: PendingBytes,
  chunks: AsyncIterator<Buffer>,
  firstLine: number,
  limits: CutLimits,
  eof = false,
  failure?: string,
): AsyncGenerator<Job> {
  let line = firstLine;
  let skipping = false; // inside a line too long to keep: drop bytes up to its end
  for (;;) {
    while (pending.length >= limits.jobBytes || (eof && pending.length > 0)) {
      const flat = pending.flat();
      if (skipping) {
        const end = flat.indexOf(10);
        if (end === -1) {
          pending.drop(flat.length);
          break;
        }
        pending.drop(end + 1);
        line++;
        skipping = false;
        continue;
      }
      let cut = flat.lastIndexOf(10, limits.jobBytes - 1);
      if (cut === -1) cut = flat.indexOf(10, limits.jobBytes); // the first line is longer than a job
      const firstLineTooLong = cut === -1 ? flat.length > limits.maxRecordBytes : cut >= limits.maxRecordBytes;
      if (firstLineTooLong) {
        yield { kind: "unreadable", reason: `line longer than ${formatSize(limits.maxRecordBytes)}: skipped`, location: { source, line } };
        skipping = true;
        continue;
      }
      if (cut === -1 && !eof) break; // a long line: wait for its end
      const end = cut === -1 ? flat.length : cut + 1;
      const lines = countNewlines(flat, 0, end);
      yield { kind: "lines", source, firstLine: line, bytes: pending.take(end) };
      line += lines;
    }
    if (eof) break;
    const next = await pull(chunks);
    if ("end" in next) {
      if (next.aborted) return; // stopped: what was not cut into jobs yet is not read
      eof = true;
      failure = next.failure;
    } else pending.push(next.chunk);
  }
  if (failure !== undefined) yield { kind: "unreadable", reason: `input ends early: ${failure}`, location: { source, line } };
}

async function* documentJob(
  source: string,
  pending: PendingBytes,
  chunks: AsyncIterator<Buffer>,
  firstLine: number,
  limits: CutLimits,
  eof: boolean,
  failure: string | undefined,
): AsyncGenerator<Job> {
  while (!eof) {
    if (pending.length > limits.maxDocumentBytes) {
      const reason = `a JSON document larger than ${formatSize(limits.maxDocumentBytes)} is not read whole: write it as JSON lines (one message or record per line)`;
      yield { kind: "unreadable", reason, location: { source, line: firstLine } };
      return;
    }
    const next = await pull(chunks);
    if ("end" in next) {
      if (next.aborted) return; // stopped: what was not cut into jobs yet is not read
      eof = true;
      failure = next.failure;
    } else pending.push(next.chunk);
  }
  if (pending.length > 0) yield { kind: "document", source, firstLine, bytes: pending.take(pending.length) };
  if (failure !== undefined) yield { kind: "unreadable", reason: `input ends early: ${failure}`, location: { source, line: firstLine } };
}

interface PeekedLine {
  readonly text: string;
  readonly line: number;
}

/** The first two non-empty lines, and whether they settle the question (both complete, or the input ended). */
function peekLines(bytes: Buffer, eof: boolean): { lines: PeekedLine[]; decided: boolean } {
  const lines: PeekedLine[] = [];
  let start = 0;
  let line = 1;
  while (lines.length < 2) {
    const end = bytes.indexOf(10, start);
    if (end === -1 && !eof) return { lines, decided: false };
    const text = bytes.toString("utf8", start, end === -1 ? bytes.length : end);
    if (text.trim() !== "") lines.push({ text, line });
    if (end === -1) break;
    start = end + 1;
    line++;
  }
  return { lines, decided: true };
}

/**
 * A document unless the first line is JSON on its own, or is not JSON at all (klog text: quarantined line
 * by line), or the second line is JSON on its own (JSON lines with a broken first line).
 */
function isDocument(lines: readonly PeekedLine[]): boolean {
  const first = (lines[0]?.text ?? "").trim().replace(/^\uFEFF/, "");
  if (first[0] !== "{" && first[0] !== "[") return false;
  if (parses(first)) return false;
  if (first === "[" || first === "{") return true;
  const second = lines[1]?.text.trim();
  return !(second !== undefined && parses(second));
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
