/**
 * CSV exports of Log Analytics: a header row, then records whose quoted cells hold multi-line JSON. Records
 * end at a newline outside quotes (RFC 4180: a quote inside a cell is doubled, so counting quotes is
 * enough); jobs are cut there, with the header, so any worker can parse any job.
 */
import { parse } from "csv-parse/sync";
import { type CutLimits, formatSize, type Job } from "../jobs.js";
import { PendingBytes, pull } from "./pendingBytes.js";

const QUOTE = 34;
const NEWLINE = 10;

export async function* csvJobs(source: string, chunks: AsyncIterator<Buffer>, limits: CutLimits): AsyncGenerator<Job> {
  const pending = new PendingBytes(2 * limits.jobBytes);
  let inQuotes = false;
  let scanned = 0;
  /** End of the last complete record in `pending`, and the records before it. */
  let boundary = 0;
  let records = 0;
  let header: string[] | undefined;
  let row = 1;
  let failure: string | undefined;
  let eof = false;

  const scan = (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === QUOTE) inQuotes = !inQuotes;
      else if (c === NEWLINE && !inQuotes) {
        boundary = scanned + i + 1;
        records++;
      }
    }
    scanned += chunk.length;
  };

  for (;;) {
    if (header === undefined && (records > 0 || (eof && pending.length > 0))) {
      const end = records > 0 ? firstRecordEnd(pending.flat()) : pending.length;
      header = headerOf(pending.flat().subarray(0, end));
      if (header === undefined) {
        yield { kind: "unreadable", reason: "CSV header row is not valid CSV: the file is skipped", location: { source, row: 1 } };
        return;
      }
      pending.drop(end);
      scanned -= end;
      boundary -= end;
      records--;
      row = 2;
    }
    if (header !== undefined && (boundary >= limits.jobBytes || (eof && pending.length > 0))) {
      const end = eof ? pending.length : boundary;
      yield { kind: "csv", source, header, firstRow: row, bytes: pending.take(end) };
      row += records;
      scanned -= end;
      boundary = 0;
      records = 0;
    }
    if (eof) break;
    if (pending.length - boundary > limits.maxRecordBytes) {
      const reason = `CSV record longer than ${formatSize(limits.maxRecordBytes)} (a quoted cell never closed?): the rest of the file is skipped`;
      yield { kind: "unreadable", reason, location: { source, row: row + records } };
      return;
    }
    const next = await pull(chunks);
    if ("end" in next) {
      if (next.aborted) return; // stopped: what was not cut into jobs yet is not read
      eof = true;
      failure = next.failure;
    } else {
      scan(next.chunk);
      pending.push(next.chunk);
    }
  }
  if (failure !== undefined) yield { kind: "unreadable", reason: `input ends early: ${failure}`, location: { source, row } };
}

function firstRecordEnd(bytes: Buffer): number {
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === NEWLINE && !quoted) return i + 1;
  }
  return bytes.length;
}

function headerOf(bytes: Buffer): string[] | undefined {
  try {
    const rows = parse(bytes, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
    return rows[0];
  } catch {
    return undefined;
  }
}
