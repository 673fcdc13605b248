/**
 * Constant memory: however large the input, reading stays a bounded distance ahead of the consumer (the
 * read-ahead budget), and the reorder buffer holds about one window of events, not the file.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { CutLimits } from "../../pipeline/replay/jobs.js";
import { readOrderedMessages } from "../../pipeline/replay/readOrderedMessages.js";
import { auditEvent } from "../../scripts/synthetic/auditRecords.js";
import { replay, tempDir, write } from "./replayFixtures.js";

const T = Date.UTC(2026, 10, 20, 8);
/** One raw audit event per line, one every `gapMs`. */
function auditLog(lines: number, gapMs: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(
      JSON.stringify(
        auditEvent({
          auditID: `id-${i}`,
          time: T + i * gapMs,
          verb: "get",
          username: "ops@contoso.com",
          resource: "configmaps",
          namespace: "default",
          name: `cm-${i % 50}`,
        }),
      ),
    );
  }
  return `${out.join("\n")}\n`;
}

const LIMITS: CutLimits = { jobBytes: 16 * 1024, maxRecordBytes: 1 << 20, maxDocumentBytes: 1 << 20 };

describe("bounded memory", () => {
  test("a consumer that stops reading stops the reading: bytes read stay within the queue and the read-ahead, not the file", async () => {
    const dir = tempDir();
    const small = write(join(dir, "small.log"), auditLog(6000, 100));
    const big = write(join(dir, "big.log"), auditLog(24000, 100));
    const aheadWhenStopped = async (path: string) => {
      const messages = readOrderedMessages([path], { limits: LIMITS, reorderWindowMs: 0 });
      let taken = 0;
      for await (const _ of messages) {
        if (++taken === 5000) break;
      }
      return messages.progress;
    };
    const [fromSmall, fromBig] = [await aheadWhenStopped(small), await aheadWhenStopped(big)];
    // 5,000 lines taken of 24,000: reading stopped near there (queue of 4,096 messages plus a few jobs), not at the end.
    const line = auditLog(1, 0).length;
    expect(fromBig?.bytesRead).toBeLessThan((5000 + 4096) * line + 8 * LIMITS.jobBytes);
    expect(fromBig?.bytesRead).toBeLessThan((fromBig?.bytesTotal ?? 0) / 2);
    // Read-ahead of parsed jobs is bounded by the budget (three jobs here), whatever the file size.
    for (const progress of [fromSmall, fromBig]) expect(progress?.peakBytesAhead).toBeLessThanOrEqual(3 * (LIMITS.jobBytes + line));
  });

  test("the reorder buffer holds about one window of events: 20 minutes of input through a 1-minute window", async () => {
    // One event every 100 ms: 600 in a minute, 12,000 in all.
    const path = write(join(tempDir(), "audit.log"), auditLog(12000, 100));
    const { result } = await replay([path], { limits: LIMITS, reorderWindowMs: 60_000 });
    expect(result.stats.events).toBe(12000);
    const perJob = Math.ceil(LIMITS.jobBytes / auditLog(1, 0).length) + 1;
    expect(result.read.peakBufferedItems).toBeLessThanOrEqual(600 + 2 * perJob);
    expect(result.read.late).toBe(0);
  });
});
