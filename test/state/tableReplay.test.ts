/**
 * The whole pipeline on Table Storage (Azurite, real SDK) gives the incidents the memory store gives:
 * one instance or several sharing the tables, a batch delivered twice, a restart half-way.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { runReplay } from "../../pipeline/replay/runReplay.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import type { StateStore } from "../../pipeline/state/stateStore.js";
import { type Azurite, startAzurite } from "../support/azurite.js";
import { comparable, FIXED_NOW, newPipeline, orderIndependent } from "../support/harness.js";
import { batchesOf, freshTables, runInstances, SAMPLE, sampleMessages, snapshot, tableStore } from "./stateKit.js";

let azurite: Azurite;
let workDir: string;
let baseline: ReturnType<typeof comparable>;

async function replay(store: StateStore, inputs: readonly string[], partitions: number): Promise<IncidentRow[]> {
  const rows: IncidentRow[] = [];
  const result = await runReplay({
    inputs,
    store,
    partitions,
    batchSize: 100,
    clock: () => FIXED_NOW,
    onIncident: (row) => {
      rows.push(row);
    },
  });
  expect(result.aborted).toBe(false);
  return rows;
}

function expectNoDuplicateEmission(rows: readonly IncidentRow[]): void {
  const emitted = rows.map((row) => `${row.IncidentId}#${row.Revision}`);
  expect(new Set(emitted).size).toBe(emitted.length);
}

beforeAll(async () => {
  [azurite, workDir] = await Promise.all([startAzurite(), mkdtemp(join(tmpdir(), "kubetrail-state-"))]);
  baseline = comparable(await replay(new MemoryStateStore(), [SAMPLE.pathname], 1));
  expect(baseline.length).toBeGreaterThan(0);
});

afterAll(async () => {
  await Promise.all([azurite?.stop(), workDir ? rm(workDir, { recursive: true, force: true }) : undefined]);
});

describe("replay on Table Storage", () => {
  test("(a) one instance, and four concurrent instances sharing one store, give the memory store's incidents", async () => {
    for (const partitions of [1, 4]) {
      const store = tableStore(azurite.connectionString, freshTables());
      const rows = await replay(store, [SAMPLE.pathname], partitions);
      // Concurrent instances may judge a sequence's follow-up before its precursor's lesson is stored.
      if (partitions === 1) expect(comparable(rows)).toEqual(baseline);
      else expect(comparable(orderIndependent(rows))).toEqual(orderIndependent(baseline));
      expectNoDuplicateEmission(rows);
    }
  });

  test("(a) four processes, each with its own store object and cache, sharing the tables: the same incidents", async () => {
    for (const batchSize of [100, 7]) {
      const tables = freshTables();
      const processes = Array.from({ length: 4 }, () => tableStore(azurite.connectionString, tables));
      const rows = await runInstances(processes, sampleMessages, batchSize);
      expect(comparable(orderIndependent(rows))).toEqual(orderIndependent(baseline));
      expectNoDuplicateEmission(rows);
    }
  });

  test("(b) a batch delivered twice: the stored state is unchanged and no incident is emitted again", async () => {
    const tables = freshTables();
    const store = tableStore(azurite.connectionString, tables);
    await store.open();
    const pipeline = newPipeline({ store });
    const batches = batchesOf(pipeline, sampleMessages, 100);
    const rows: IncidentRow[] = [];
    for (const batch of batches) {
      rows.push(...(await pipeline.processDecoded(batch)).incidents);
      const before = await snapshot(azurite.connectionString, tables.stateTable);
      const again = await pipeline.processDecoded(batch);
      expect(again.incidents).toEqual([]);
      // ETags included: a redelivery writes nothing at all.
      expect(await snapshot(azurite.connectionString, tables.stateTable)).toEqual(before);
    }
    expect(comparable(rows)).toEqual(baseline);
    // Redelivered to another process, which has nothing cached: still nothing new.
    const other = newPipeline({ store: tableStore(azurite.connectionString, tables) });
    for (const batch of batches.slice(-3)) expect((await other.processDecoded(batch)).incidents).toEqual([]);
  });

  test("(c) half the input, then a fresh store object (a new process) for the rest: the incidents of one uninterrupted run", async () => {
    const half = Math.floor(sampleMessages.length / 2);
    const files = [join(workDir, "first.jsonl"), join(workDir, "second.jsonl")];
    await writeFile(
      files[0] as string,
      sampleMessages
        .slice(0, half)
        .map((m) => `${m.body}\n`)
        .join(""),
    );
    await writeFile(
      files[1] as string,
      sampleMessages
        .slice(half)
        .map((m) => `${m.body}\n`)
        .join(""),
    );
    const tables = freshTables();
    const first = await replay(tableStore(azurite.connectionString, tables), [files[0] as string], 2);
    const second = await replay(tableStore(azurite.connectionString, tables), [files[1] as string], 2);
    expect(comparable(orderIndependent([...first, ...second]))).toEqual(orderIndependent(baseline));
    expectNoDuplicateEmission([...first, ...second]);
  });
});
