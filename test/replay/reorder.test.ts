/**
 * Inputs are processed in event-time order across files, within the reorder window, so a replay gives the
 * incidents live processing gave. An event older than the window is still processed, and counted late.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { ParsedRun } from "../../pipeline/replay/parse/parseJob.js";
import { readOrderedMessages } from "../../pipeline/replay/readOrderedMessages.js";
import { ReorderBuffer } from "../../pipeline/replay/reorderBuffer.js";
import { auditEvent, seededRandom } from "../../scripts/synthetic/auditRecords.js";
import { comparable } from "../support/harness.js";
import { type DiagnosticRecord, replay, sampleRecords, tempDir, write } from "./replayFixtures.js";

const timeOf = (r: DiagnosticRecord) => Date.parse(r.time);
const sorted = [...sampleRecords].sort((a, b) => timeOf(a) - timeOf(b));
const lines = (records: readonly DiagnosticRecord[]) => `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;

describe("reorder window", () => {
  test("records dealt over three files, each shuffled by up to two minutes, give the sorted stream's incident rows", async () => {
    const dir = tempDir();
    const sortedFile = write(join(dir, "sorted", "stream.jsonl"), lines(sorted));
    const random = seededRandom(7);
    const files: DiagnosticRecord[][] = [[], [], []];
    for (const record of sorted) files[Math.floor(random() * 3)]?.push(record);
    files.forEach((records, i) => {
      // Each record moved by up to two minutes of event time: out of order within its file.
      const jittered = records.map((r) => ({ r, at: timeOf(r) + random() * 120_000 })).sort((a, b) => a.at - b.at);
      write(join(dir, "shuffled", `part-${i}.jsonl`), lines(jittered.map((j) => j.r)));
    });
    // Jobs of 4 KiB: a file is many runs, so order across runs is the window's doing, not one sort.
    const limits = { jobBytes: 4096, maxRecordBytes: 1 << 20, maxDocumentBytes: 1 << 20 };
    const fromSorted = await replay([sortedFile], { limits, batchSize: 50 });
    const fromShuffled = await replay([join(dir, "shuffled")], { limits, batchSize: 50 });
    expect(fromShuffled.result.read.late).toBe(0);
    expect(fromShuffled.result.stats.events).toBe(fromSorted.result.stats.events);
    expect(comparable(fromShuffled.rows)).toEqual(comparable(fromSorted.rows));
    expect(fromShuffled.rows.map((r) => `${r.IncidentId}#${r.Revision}`)).toEqual(fromSorted.rows.map((r) => `${r.IncidentId}#${r.Revision}`));
  });

  test("a delete read before its binding's creation is described from it only when the window puts it back in order; beyond the window it is late", async () => {
    const T = Date.UTC(2026, 10, 20, 8);
    const binding = {
      kind: "ClusterRoleBinding",
      apiVersion: "rbac.authorization.k8s.io/v1",
      metadata: { name: "backdoor" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "x", namespace: "default" }],
    };
    const ref = { resource: "clusterrolebindings", apiGroup: "rbac.authorization.k8s.io", name: "backdoor" } as const;
    const create = auditEvent({
      auditID: "a-create",
      time: T,
      verb: "create",
      username: "dev@contoso.com",
      level: "RequestResponse",
      requestObject: binding,
      ...ref,
    });
    // Deleted by someone else three hours later, logged without a body (Metadata), written first in the file.
    const remove = auditEvent({ auditID: "b-delete", time: T + 3 * 3600_000, verb: "delete", username: "intruder@contoso.com", level: "Metadata", ...ref });
    // Then anything five minutes later, which moves the input's frontier past the delete.
    const later = auditEvent({
      auditID: "c-later",
      time: T + 3 * 3600_000 + 300_000,
      verb: "get",
      username: "ops@contoso.com",
      resource: "configmaps",
      namespace: "default",
      name: "app",
    });
    const file = write(join(tempDir(), "audit.log"), [remove, later, create].map((e) => `${JSON.stringify(e)}\n`).join(""));
    const limits = { jobBytes: 64, maxRecordBytes: 1 << 20, maxDocumentBytes: 1 << 20 }; // one line per job
    const deleteTitle = (rows: { Title: string; Actor: string; DetectionId: string }[]) =>
      rows.filter((r) => r.Actor === "intruder@contoso.com" && r.DetectionId === "rbac-binding-change").map((r) => r.Title);

    const inOrder = await replay([file], { limits, reorderWindowMs: 4 * 3600_000 });
    expect(inOrder.result.read.late).toBe(0);
    expect(deleteTitle(inOrder.rows)).toEqual([expect.stringContaining("deleted ClusterRoleBinding backdoor granting ClusterRole/cluster-admin")]);

    const beyond = await replay([file], { limits, reorderWindowMs: 60_000 });
    expect(beyond.result.read.late).toBe(1);
    expect(beyond.result.stats.events).toBe(3); // late, still processed
    expect(deleteTitle(beyond.rows)).toEqual([expect.not.stringContaining("cluster-admin")]);
  });
});

describe("readOrderedMessages (what --to-eventhub sends)", () => {
  test("messages of two files that take turns by the minute come out in event-time order, with their original bodies", async () => {
    const dir = tempDir();
    const minute = (m: number) => sorted.filter((r) => Math.floor((timeOf(r) - timeOf(sorted[0] as DiagnosticRecord)) / 60_000) === m);
    const message = (m: number) => JSON.stringify({ records: minute(m) });
    const minutes = Array.from({ length: 20 }, (_, m) => m).filter((m) => minute(m).length > 0);
    write(
      join(dir, "even.jsonl"),
      `${minutes
        .filter((m) => m % 2 === 0)
        .map(message)
        .join("\n")}\n`,
    );
    write(
      join(dir, "odd.jsonl"),
      `${minutes
        .filter((m) => m % 2 === 1)
        .map(message)
        .join("\n")}\n`,
    );
    const bodies: unknown[] = [];
    for await (const m of readOrderedMessages([dir], { reorderWindowMs: 0 })) bodies.push(m.body);
    expect(bodies).toEqual(minutes.map(message));
  });
});

describe("ReorderBuffer", () => {
  const run = (times: number[], frontier = times.at(-1) ?? Number.NaN): ParsedRun<string> => ({
    times: Float64Array.from(times),
    positions: Int32Array.from(times.map((_, i) => i)),
    payloads: times.map((t) => `t${t}`),
    frontier,
    quarantined: [],
    stats: { messages: 0, records: 0, events: 0, skipped: {}, quarantined: 0, selected: 0, suppressed: 0, late: 0, alreadyEmitted: 0, incidents: 0 },
    outsideRange: 0,
    bytes: 0,
  });
  const drain = (buffer: ReorderBuffer<string>) => {
    const out: string[] = [];
    buffer.release({ item: (_t, payload, late) => out.push(`${payload}${late ? " late" : ""}`) });
    return out;
  };

  test("holds items until every unfinished input is a window past them, reads the input furthest behind next, and counts what comes later than released items", () => {
    const buffer = new ReorderBuffer<string>(2, 10);
    expect(buffer.nextInput()).toBe(0);
    buffer.add(0, run([100, 120]));
    expect(drain(buffer)).toEqual([]); // input 1 has given nothing yet
    expect(buffer.nextInput()).toBe(1);
    buffer.add(1, run([105, 200]));
    expect(drain(buffer)).toEqual(["t100", "t105"]); // up to min(120, 200) - 10
    expect(buffer.nextInput()).toBe(0);
    buffer.add(0, run([101, 150]));
    expect(drain(buffer)).toEqual(["t101 late", "t120"]);
    buffer.finish(0);
    expect(buffer.nextInput()).toBe(1);
    buffer.finish(1);
    expect(buffer.nextInput()).toBe(-1);
    expect(drain(buffer)).toEqual(["t150", "t200"]);
    expect(buffer.late).toBe(1);
    expect(buffer.buffered).toBe(0);
    expect(buffer.peakBuffered).toBe(4);
  });

  test("equal times are ordered by input, then by run, whatever the order they arrived in", () => {
    const buffer = new ReorderBuffer<string>(2, 0);
    buffer.add(1, { ...run([5, 5]), payloads: ["input 1 first", "input 1 second"] });
    buffer.add(0, { ...run([5]), payloads: ["input 0"] });
    buffer.finish(0);
    buffer.finish(1);
    expect(drain(buffer)).toEqual(["input 0", "input 1 first", "input 1 second"]);
  });
});
