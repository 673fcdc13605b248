/**
 * Event Hubs Capture records out of whole Avro blocks: each record's `Body` is one Event Hub message, named
 * by file and sequence number. Blocks are decompressed here (codec `null` or `deflate`, the two the Avro
 * spec requires); a block or record that cannot be decoded is reported by its index.
 */
import { inflateRawSync } from "node:zlib";
import avsc from "avsc";
import type { SourceLocation } from "../../decode/location.js";
import type { AvroJob } from "../jobs.js";

export interface CaptureSink {
  message(body: string, location: SourceLocation): void;
  bad(reason: string, location: SourceLocation): void;
}

interface CaptureRecord {
  readonly SequenceNumber?: number;
  readonly Body?: Buffer | null;
}

const LONG = avsc.Type.forSchema("long");
const SYNC_BYTES = 16;
const types = new Map<string, avsc.Type>();

function typeOf(schema: string): avsc.Type {
  let type = types.get(schema);
  if (!type) {
    type = avsc.Type.forSchema(JSON.parse(schema) as avsc.Schema);
    types.set(schema, type);
  }
  return type;
}

export function captureRecords(job: AvroJob, sink: CaptureSink): void {
  const at = (block: number, record?: number): SourceLocation => ({ source: `${job.source} block ${block}${record === undefined ? "" : ` record ${record}`}` });
  let type: avsc.Type;
  try {
    type = typeOf(job.schema);
  } catch (error) {
    sink.bad(`Avro schema in the file header is not valid: ${String(error)}`, at(job.firstBlock));
    return;
  }
  if (!(type instanceof avsc.types.RecordType) || !type.fields.some((f) => f.name === "Body")) {
    sink.bad("Avro records have no Body field: not an Event Hubs Capture file", at(job.firstBlock));
    return;
  }
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  let pos = 0;
  for (let block = job.firstBlock; pos < bytes.length; block++) {
    const count = LONG.decode(bytes, pos) as { value: number; offset: number };
    const size = LONG.decode(bytes, count.offset) as { value: number; offset: number };
    const raw = bytes.subarray(size.offset, size.offset + size.value);
    pos = size.offset + size.value + SYNC_BYTES;
    let data: Buffer;
    try {
      data = job.codec === "null" ? raw : job.codec === "deflate" ? inflateRawSync(raw) : unsupported(job.codec);
    } catch (error) {
      sink.bad(`Avro block cannot be decompressed: ${error instanceof Error ? error.message : String(error)}`, at(block));
      continue;
    }
    let offset = 0;
    for (let i = 0; i < count.value; i++) {
      let decoded: { value: unknown; offset: number };
      try {
        decoded = type.decode(data, offset) as { value: unknown; offset: number };
      } catch (error) {
        decoded = { value: undefined, offset: -1 };
        sink.bad(`Avro record cannot be decoded: ${error instanceof Error ? error.message : String(error)}`, at(block, i));
        break;
      }
      if (decoded.offset < 0) {
        sink.bad("Avro block ends inside a record", at(block, i));
        break;
      }
      offset = decoded.offset;
      const record = decoded.value as CaptureRecord;
      const location: SourceLocation = typeof record.SequenceNumber === "number" ? { source: job.source, sequenceNumber: record.SequenceNumber } : at(block, i);
      if (record.Body) sink.message(record.Body.toString("utf8"), location);
      else sink.bad("Capture record has no Body", location);
    }
  }
}

function unsupported(codec: string): never {
  throw new Error(`codec ${codec} is not supported (null and deflate are)`);
}
