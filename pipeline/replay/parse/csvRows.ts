/**
 * Rows of a Log Analytics CSV export (`AKSAudit`, `AKSAuditAdmin`, `AzureDiagnostics`), as the objects the
 * JSON exports give: the portal names datetime columns `TimeGenerated [UTC]` and writes them as
 * `11/20/2026, 10:00:00.123 AM`; dynamic columns are JSON text, which the decoder already reads.
 */
import { parse } from "csv-parse/sync";
import type { SourceLocation } from "../../decode/location.js";
import type { CsvJob } from "../jobs.js";

export interface CsvRowSink {
  row(row: Record<string, unknown>, location: SourceLocation): void;
  bad(reason: string, location: SourceLocation, raw: string): void;
}

const UTC_SUFFIX = " [UTC]";
/** The portal's en-US datetime: month/day/year, 12-hour clock, optional milliseconds. */
const PORTAL_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))? ?([AP]M)$/i;

export function csvRows(job: CsvJob, sink: CsvRowSink): void {
  const columns = job.header.map((name) => (name.endsWith(UTC_SUFFIX) ? { name: name.slice(0, -UTC_SUFFIX.length), time: true } : { name, time: false }));
  const toRow = (cells: readonly string[]) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length && i < cells.length; i++) {
      const column = columns[i] as { name: string; time: boolean };
      const cell = cells[i] as string;
      if (cell !== "") row[column.name] = column.time ? isoOfPortalTime(cell) : cell;
    }
    return row;
  };
  let failed = false;
  const records = parse(job.bytes as Buffer, {
    info: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: () => {
      failed = true;
      return undefined;
    },
  }) as unknown as { record: string[]; info: { records: number } }[];
  if (!failed) {
    for (const { record, info } of records) {
      if (record.length === 1 && record[0] === "") continue; // a blank line
      sink.row(toRow(record), { source: job.source, row: job.firstRow + info.records - 1 });
    }
    return;
  }
  // csv-parse does not always recover after a bad record: parse record by record to isolate it.
  const text = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength).toString("utf8");
  splitRecords(text).forEach((raw, i) => {
    const location = { source: job.source, row: job.firstRow + i };
    if (raw.trim() === "") return;
    try {
      const [cells] = parse(raw, { relax_column_count: true }) as string[][];
      if (cells) sink.row(toRow(cells), location);
    } catch (error) {
      sink.bad(`CSV row is not valid CSV: ${error instanceof Error ? error.message.replace(/ at line \d+.*$/, "") : String(error)}`, location, raw);
    }
  });
}

/** Records split at newlines outside quotes, as the cutter found them. */
function splitRecords(text: string): string[] {
  const records: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 10 && !quoted) {
      records.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) records.push(text.slice(start));
  return records;
}

/** `11/20/2026, 10:00:00.123 AM` → `2026-11-20T10:00:00.123Z`; anything else is returned as it is. */
export function isoOfPortalTime(value: string): string {
  const m = PORTAL_TIME.exec(value);
  if (!m) return value;
  const [, month, day, year, hour12, minute, second, fraction, meridiem] = m;
  let hour = Number(hour12) % 12;
  if ((meridiem ?? "").toUpperCase() === "PM") hour += 12;
  const pad = (n: number | string, width = 2) => String(n).padStart(width, "0");
  const ms = fraction ? `.${fraction.padEnd(3, "0").slice(0, 3)}` : "";
  return `${year}-${pad(month ?? 0)}-${pad(day ?? 0)}T${pad(hour)}:${pad(minute ?? 0)}:${pad(second ?? 0)}${ms}Z`;
}
