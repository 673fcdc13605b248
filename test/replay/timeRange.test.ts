/**
 * --from/--to on a storage-archive tree: hourly blobs that cannot hold events of the range are left out
 * unopened; the records of the blobs read are filtered by event time (a blob can hold records appended
 * after their hour: late arrivals are kept when their event time is in range).
 */
import { describe, expect, test } from "vitest";
import { aksRecord, auditEvent, DEFAULT_CLUSTER } from "../../scripts/synthetic/auditRecords.js";
import { archivePath, replay, tempDir, write } from "./replayFixtures.js";

const at = (hh: number, mm: number) => Date.UTC(2026, 10, 20, hh, mm);
const record = (time: number, id: string) =>
  JSON.stringify(
    aksRecord(auditEvent({ auditID: id, time, verb: "get", username: "ops@contoso.com", resource: "configmaps", namespace: "default", name: "app" })),
  );

describe("--from / --to", () => {
  test("skips whole hours by path, then keeps only events in [from, to)", async () => {
    const root = tempDir();
    const blob = (hour: number, times: [number, string][]) =>
      write(archivePath(root, DEFAULT_CLUSTER, at(hour, 0)), `${times.map(([t, id]) => record(t, id)).join("\n")}\n`);
    blob(8, [[at(8, 30), "h08"]]);
    blob(9, [
      [at(9, 10), "h09-early"],
      [at(9, 40), "h09-in"],
      [at(9, 50), "h09-in-2"],
    ]);
    // Appended during hour 10 but generated at 09:59: a late arrival, in range.
    blob(10, [
      [at(9, 59), "h10-late-arrival"],
      [at(10, 5), "h10-after"],
    ]);
    blob(11, [[at(11, 30), "h11"]]);

    const { result } = await replay([root], { from: at(9, 30), to: at(10, 0) });
    expect(result.read.filesSkipped).toBe(2); // hours 08 and 11, never opened
    expect(result.read.filesTotal).toBe(2);
    expect(result.stats.records).toBe(5);
    expect(result.stats.events).toBe(3);
    expect(result.read.outsideRange).toBe(2);
    expect(result.read.firstEventTime).toBe(at(9, 40));
    expect(result.read.lastEventTime).toBe(at(9, 59));
  });

  test("an hour after --to is still read for records appended late; two hours after is not", async () => {
    const root = tempDir();
    write(archivePath(root, DEFAULT_CLUSTER, at(10, 0)), `${record(at(9, 58), "late")}\n`);
    write(archivePath(root, DEFAULT_CLUSTER, at(11, 0)), `${record(at(11, 1), "after")}\n`);
    const { result } = await replay([root], { to: at(9, 59) });
    expect(result.read.filesTotal).toBe(1);
    expect(result.stats.events).toBe(1);
  });
});
