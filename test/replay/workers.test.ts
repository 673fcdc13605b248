/**
 * Parse workers prepare events for detection themselves (select, fold what needs no memory), so they
 * must run the replay's detections with the replay's settings, and refuse detections they cannot load.
 */
import { describe, expect, test } from "vitest";
import { allDetections } from "../../detections/index.js";
import { podExec } from "../../detections/podExec.js";
import { resolveSettings } from "../../pipeline/config/settings.js";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { runReplay } from "../../pipeline/replay/runReplay.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import { comparable, FIXED_NOW } from "../support/harness.js";

const SAMPLE = new URL("../../samples/aks-attack-story.jsonl", import.meta.url).pathname;
const SMALL_JOBS = { jobBytes: 8 * 1024, maxRecordBytes: 1 << 20, maxDocumentBytes: 1 << 20 };

async function replay(workers: number, config: Record<string, unknown> = {}): Promise<IncidentRow[]> {
  const rows: IncidentRow[] = [];
  await runReplay({
    inputs: [SAMPLE],
    store: new MemoryStateStore(),
    settings: resolveSettings(allDetections, { detections: config }),
    workers,
    limits: SMALL_JOBS,
    clock: () => FIXED_NOW,
    onIncident: (row) => {
      rows.push(row);
    },
  });
  return rows;
}

const detectionsOf = (rows: readonly IncidentRow[]) => new Set(rows.map((row) => row.DetectionId));

describe("parse workers", () => {
  test("prepare with the replay's settings: a disabled detection and an allowlisted one stay quiet, as on one thread", async () => {
    const defaults = await replay(2);
    expect(detectionsOf(defaults)).toContain("pod-exec");
    expect(detectionsOf(defaults)).toContain("secret-enumeration");

    const config = { "pod-exec": { enabled: false }, "secret-enumeration": { allowActors: ["*"] } };
    const tuned = await replay(2, config);
    expect(detectionsOf(tuned)).not.toContain("pod-exec");
    expect(detectionsOf(tuned)).not.toContain("secret-enumeration");
    expect(tuned.length).toBeGreaterThan(0);
    expect(comparable(tuned)).toEqual(comparable(await replay(1, config)));
  });

  test("refuse a detection that is not in the registry, naming it; one thread runs it", async () => {
    const custom = { ...podExec, id: "my-pod-exec" };
    const options = { inputs: [SAMPLE], store: new MemoryStateStore(), detections: [custom], clock: () => FIXED_NOW };
    await expect(runReplay({ ...options, workers: 2 })).rejects.toThrow(/my-pod-exec is not in detections\/index\.ts: replay with one thread/);

    const rows: IncidentRow[] = [];
    await runReplay({ ...options, workers: 1, onIncident: (row) => void rows.push(row) });
    expect(detectionsOf(rows)).toEqual(new Set(["my-pod-exec"]));
  });
});
