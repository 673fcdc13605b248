/**
 * Avro object container files (Event Hubs Capture): the header gives the schema, the codec and a 16-byte
 * sync marker; then come blocks (record count, byte size, data, sync marker). Only the two numbers of each
 * block are read here; whole blocks go to the parser. A block that does not end in the sync marker is
 * corrupt: it is reported by index and byte offset and reading resumes after the next sync marker.
 */
import avsc from "avsc";
import type { CutLimits, Job } from "../jobs.js";
import { PendingBytes, pull } from "./pendingBytes.js";

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const SYNC_BYTES = 16;
const HEADER = avsc.Type.forSchema({
  type: "record",
  name: "org.apache.avro.file.Header",
  fields: [
    { name: "magic", type: { type: "fixed", name: "Magic", size: 4 } },
    { name: "meta", type: { type: "map", values: "bytes" } },
    { name: "sync", type: { type: "fixed", name: "Sync", size: SYNC_BYTES } },
  ],
});
const LONG = avsc.Type.forSchema("long");

interface Header {
  readonly schema: string;
  readonly codec: string;
  readonly sync: Buffer;
}

export async function* avroJobs(source: string, chunks: AsyncIterator<Buffer>, limits: CutLimits): AsyncGenerator<Job> {
  const pending = new PendingBytes(2 * limits.jobBytes);
  let consumed = 0; // file offset of pending[0]
  let header: Header | undefined;
  let block = 0;
  let jobFirstBlock = 0;
  let pos = 0; // in pending: next block to frame; the blocks before it make the next job
  let resyncing = false;
  let eof = false;
  let failure: string | undefined;

  const flush = (): Job | undefined => {
    if (!header || pos === 0) return undefined;
    const job: Job = { kind: "avro", source, schema: header.schema, codec: header.codec, firstBlock: jobFirstBlock, bytes: pending.take(pos) };
    consumed += pos;
    pos = 0;
    jobFirstBlock = block;
    return job;
  };

  for (;;) {
    const flat = pending.flat();
    if (!header) {
      if (flat.length >= MAGIC.length && !flat.subarray(0, MAGIC.length).equals(MAGIC)) {
        yield { kind: "unreadable", reason: "not an Avro object container file (no Obj\\x01 magic): skipped", location: { source } };
        return;
      }
      const decoded = flat.length >= MAGIC.length ? HEADER.decode(flat, 0) : { offset: -1, value: undefined };
      if (decoded.offset >= 0) {
        header = headerOf(decoded.value as { meta: Record<string, Buffer>; sync: Buffer });
        pending.drop(decoded.offset);
        consumed += decoded.offset;
        continue;
      }
    } else if (resyncing) {
      // After a corrupt block: drop bytes up to the next sync marker, keeping a tail that may hold part of one.
      const at = flat.indexOf(header.sync);
      const skip = at === -1 ? Math.max(0, flat.length - SYNC_BYTES + 1) : at + SYNC_BYTES;
      pending.drop(skip);
      consumed += skip;
      if (at !== -1) {
        resyncing = false;
        continue;
      }
    } else {
      const framed = frameBlock(flat, pos, header.sync, limits.maxRecordBytes);
      if (framed.kind === "block") {
        pos = framed.end;
        block++;
        if (pos >= limits.jobBytes) {
          const job = flush();
          if (job) yield job;
        }
        continue;
      }
      if (framed.kind === "corrupt") {
        const at = consumed + pos;
        const job = flush();
        if (job) yield job;
        yield { kind: "unreadable", reason: `Avro block ${block} at byte ${at}: ${framed.why}; skipped to the next sync marker`, location: { source } };
        const skip = pos + 1; // past the corrupt block's first byte (flush may have moved pos to 0)
        pending.drop(skip);
        consumed += skip;
        pos = 0;
        block++;
        jobFirstBlock = block;
        resyncing = true;
        continue;
      }
    }
    if (eof) break;
    const next = await pull(chunks);
    if ("end" in next) {
      if (next.aborted) return; // stopped: what was not cut into jobs yet is not read
      eof = true;
      failure = next.failure;
    } else pending.push(next.chunk);
  }
  const job = flush();
  if (job) yield job;
  if (header === undefined && pending.length > 0) yield { kind: "unreadable", reason: "Avro header is truncated", location: { source } };
  else if (!resyncing && pending.length > pos && failure === undefined) {
    yield { kind: "unreadable", reason: `Avro block ${block} at byte ${consumed + pos} is truncated`, location: { source } };
  }
  if (failure !== undefined) yield { kind: "unreadable", reason: `input ends early at Avro block ${block}: ${failure}`, location: { source } };
}

type Framed = { kind: "block"; end: number } | { kind: "more" } | { kind: "corrupt"; why: string };

function frameBlock(bytes: Buffer, pos: number, sync: Buffer, maxBytes: number): Framed {
  const count = LONG.decode(bytes, pos) as { value: number; offset: number };
  if (count.offset < 0) return { kind: "more" };
  const size = LONG.decode(bytes, count.offset) as { value: number; offset: number };
  if (size.offset < 0) return { kind: "more" };
  if (count.value < 0 || size.value < 0 || size.value > maxBytes)
    return { kind: "corrupt", why: `impossible record count ${count.value} or size ${size.value}` };
  const end = size.offset + size.value + SYNC_BYTES;
  if (end > bytes.length) return { kind: "more" };
  if (!bytes.subarray(end - SYNC_BYTES, end).equals(sync)) return { kind: "corrupt", why: "sync marker missing (corrupt or cut)" };
  return { kind: "block", end };
}

function headerOf(value: { meta: Record<string, Buffer>; sync: Buffer }): Header {
  return {
    schema: value.meta["avro.schema"]?.toString("utf8") ?? "null",
    codec: value.meta["avro.codec"]?.toString("utf8") ?? "null",
    sync: Buffer.from(value.sync),
  };
}
