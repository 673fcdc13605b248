/**
 * The messages in a job, each with its place: a line, a whole document, a CSV row, a Capture record's body.
 * What cannot be a message (an unreadable block, a CSV row that is not CSV) goes to `bad` with its place.
 */
import type { SourceLocation } from "../../decode/location.js";
import type { InputMessage } from "../../pipeline.js";
import type { Job } from "../jobs.js";
import { captureRecords } from "./captureRecords.js";
import { csvRows } from "./csvRows.js";

export interface MessageSink {
  message(message: InputMessage): void;
  bad(reason: string, location: SourceLocation, raw: unknown): void;
}

const utf8 = new TextDecoder("utf-8");

export function messagesOfJob(job: Job, sink: MessageSink): void {
  switch (job.kind) {
    case "lines":
      emitLines(utf8.decode(job.bytes), job.source, job.firstLine, sink);
      return;
    case "document": {
      const text = utf8.decode(job.bytes);
      let value: unknown;
      try {
        value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch {
        // Not one document after all: every line on its own, so one bad line costs that line only.
        emitLines(text, job.source, 1, sink);
        return;
      }
      sink.message({ body: value, location: { source: job.source, line: job.firstLine } });
      return;
    }
    case "csv":
      csvRows(job, { row: (body, location) => sink.message({ body, location }), bad: (reason, location, raw) => sink.bad(reason, location, raw) });
      return;
    case "avro":
      captureRecords(job, { message: (body, location) => sink.message({ body, location }), bad: (reason, location) => sink.bad(reason, location, "") });
      return;
    case "unreadable":
      sink.bad(job.reason, job.location, "");
      return;
  }
}

function emitLines(text: string, source: string, firstLine: number, sink: MessageSink): void {
  let start = 0;
  for (let line = firstLine; start < text.length; line++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const body = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (body.trim() !== "") sink.message({ body, location: { source, line } });
  }
}
