/**
 * Bad input never stops a replay: whatever cannot be read is quarantined with the place it was found (file
 * and line, Avro block and byte offset, CSV row), and reading goes on with the rest.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import avsc from "avsc";
import { describe, expect, test } from "vitest";
import type { CutLimits } from "../../pipeline/replay/jobs.js";
import { replay, sampleMessages, tempDir, write, writeCapture } from "./replayFixtures.js";

const LIMITS: CutLimits = { jobBytes: 64 * 1024, maxRecordBytes: 256 * 1024, maxDocumentBytes: 512 * 1024 };
const messages = sampleMessages.slice(0, 6); // no truncated record among them
const recordsIn = (lines: readonly string[]) => lines.reduce((n, m) => n + (JSON.parse(m) as { records: unknown[] }).records.length, 0);

describe("bad input is quarantined with its place, and the replay goes on", () => {
  test("a gzip file cut short: its complete lines are read, the cut is reported at the line it reached, the next file is read", async () => {
    const dir = tempDir();
    const gz = gzipSync(`${messages.join("\n")}\n`);
    write(join(dir, "a-cut.jsonl.gz"), gz.subarray(0, Math.floor(gz.length * 0.6)));
    write(join(dir, "b-whole.jsonl"), `${messages.join("\n")}\n`);
    const { result, quarantined } = await replay([dir], { limits: LIMITS });
    expect(quarantined.at(-1)).toEqual({ location: expect.stringMatching(/a-cut\.jsonl\.gz:\d+$/), reason: "input ends early: unexpected end of file" });
    expect(result.stats.messages).toBeGreaterThan(messages.length); // the whole file, and some of the cut one
  });

  test("a line longer than the limit is skipped and named; the lines after it are read", async () => {
    const long = `{"records":[${" ".repeat(LIMITS.maxRecordBytes + 10)}]}`;
    const path = write(join(tempDir(), "long.jsonl"), [messages[0], long, messages[1]].join("\n"));
    const { result, quarantined } = await replay([path], { limits: LIMITS });
    expect(quarantined).toEqual([{ location: `${path}:2`, reason: "line longer than 256 KiB: skipped" }]);
    expect(result.stats.records).toBe(recordsIn([messages[0] ?? "", messages[1] ?? ""]) + 1);
  });

  test("an Avro block whose sync marker is gone is named by index and byte offset; reading resumes at the next sync marker", async () => {
    const dir = tempDir();
    const path = await writeCapture(join(dir, "ns/hub/0/2026/11/20/08/00/00.avro"), messages, { blockSize: 1024, codec: "null" });
    const bytes = readFileSync(path);
    // The header ends with the 16-byte sync marker; every block ends with it too. Break the first block's.
    const headerEnd = headerLength(bytes);
    const marker = bytes.subarray(headerEnd - 16, headerEnd);
    const firstBlockEnd = bytes.indexOf(marker, headerEnd);
    bytes.fill(0, firstBlockEnd, firstBlockEnd + 16);
    write(path, bytes);
    const { result, quarantined } = await replay([dir]);
    expect(quarantined).toEqual([
      { location: path, reason: `Avro block 0 at byte ${headerEnd}: sync marker missing (corrupt or cut); skipped to the next sync marker` },
    ]);
    // Blocks 0 and 1 are lost (reading resumes after block 1's marker); the rest is read.
    const [first = 0, second = 0] = recordsPerBlock(readFileSync(path), headerEnd);
    expect(result.stats.messages).toBe(messages.length - first - second);
    expect(result.stats.messages).toBeGreaterThan(0);
  });

  test("an Avro record that does not decode is named by block and record", async () => {
    const dir = tempDir();
    const path = await writeCapture(join(dir, "capture.avro"), messages.slice(0, 2), { blockSize: 1 << 20, codec: "null" });
    const bytes = readFileSync(path);
    // The second record's SequenceNumber is the first byte after the first record: make its Offset length negative.
    const firstBody = Buffer.from(messages[0] ?? "");
    const at = bytes.indexOf(firstBody) + firstBody.length;
    bytes[at + 1] = 0x01; // Offset's length: zigzag -1
    write(path, bytes);
    const { quarantined, result } = await replay([path]);
    expect(quarantined.map((q) => q.location)).toEqual([`${path} block 0 record 1`]);
    expect(result.stats.messages).toBe(1);
  });

  test("a file named .avro that is not Avro, and a JSON document over the size limit, are each reported once and skipped", async () => {
    const dir = tempDir();
    write(join(dir, "not-avro.avro"), "hello");
    write(join(dir, "huge.json"), `[\n${Array.from({ length: 20 }, () => messages[0]).join(",\n")}\n]\n`);
    write(join(dir, "ok.jsonl"), `${messages[0]}\n`);
    const { result, quarantined } = await replay([dir], { limits: { ...LIMITS, maxDocumentBytes: 64 * 1024 } });
    expect(quarantined.map((q) => q.location).sort()).toEqual([join(dir, "huge.json:1"), join(dir, "not-avro.avro")]);
    expect(quarantined.map((q) => q.reason).sort()).toEqual([
      expect.stringContaining("a JSON document larger than"),
      expect.stringContaining("not an Avro object container file"),
    ]);
    expect(result.stats.messages).toBe(1);
    expect(result.stats.records - result.stats.quarantined).toBe(recordsIn([messages[0] ?? ""]));
  });
});

/** Record counts of the blocks after the header (the block frame: count, size, data, sync marker). */
function recordsPerBlock(bytes: Buffer, headerEnd: number): number[] {
  const long = avsc.Type.forSchema("long");
  const counts: number[] = [];
  for (let pos = headerEnd; pos < bytes.length; ) {
    const count = long.decode(bytes, pos);
    const size = long.decode(bytes, count.offset);
    counts.push(count.value as number);
    pos = size.offset + (size.value as number) + 16;
  }
  return counts;
}

/** Bytes of an Avro container header: magic, metadata map, sync marker. */
function headerLength(bytes: Buffer): number {
  const header = avsc.Type.forSchema({
    type: "record",
    name: "Header",
    fields: [
      { name: "magic", type: { type: "fixed", name: "Magic", size: 4 } },
      { name: "meta", type: { type: "map", values: "bytes" } },
      { name: "sync", type: { type: "fixed", name: "Sync", size: 16 } },
    ],
  });
  return header.decode(bytes, 0).offset;
}
