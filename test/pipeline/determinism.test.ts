/**
 * Same input ⇒ same incidents (ids, final revisions, every column but TimeGenerated), whatever the batch
 * size, the number of concurrent instances sharing the state store, the number of parse workers, and
 * however often messages are delivered again. Checked on the bundled sample with fast-check.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { DecodedBatch, type InputMessage, type Pipeline } from "../../pipeline/pipeline.js";
import { runReplay } from "../../pipeline/replay/runReplay.js";
import { seededRandom } from "../../scripts/synthetic/auditRecords.js";
import { comparable, FIXED_NOW, newPipeline, orderIndependent } from "../support/harness.js";
import { ShuffledStore } from "../support/shuffledStore.js";

const SAMPLE = new URL("../../samples/aks-attack-story.jsonl", import.meta.url);
const messages: InputMessage[] = readFileSync(SAMPLE, "utf8")
  .split("\n")
  .filter((line) => line !== "")
  .map((body, i) => ({ body, location: { source: "sample", line: i + 1 } }));

interface Plan {
  /** Records per batch. */
  readonly batchSize: number;
  /** The instance each message goes to. */
  readonly partitionOf: readonly number[];
  /** Message indexes delivered a second time, after the message at the same position. */
  readonly redelivered: readonly number[];
  readonly seed: number;
}

/** Deals messages to instances and runs every instance's batches concurrently against one shared store. */
async function runPlan(plan: Plan): Promise<IncidentRow[]> {
  const store = new ShuffledStore(seededRandom(plan.seed));
  const partitions = Math.max(...plan.partitionOf) + 1;
  const queues: InputMessage[][] = Array.from({ length: partitions }, () => []);
  messages.forEach((message, i) => {
    const queue = queues[plan.partitionOf[i] ?? 0] as InputMessage[];
    queue.push(message);
    if (plan.redelivered.includes(i)) queue.push(message);
  });
  const rows: IncidentRow[] = [];
  await Promise.all(
    queues.map(async (queue) => {
      const pipeline: Pipeline = newPipeline({ store });
      let batch = new DecodedBatch();
      for (const message of queue) {
        pipeline.decode([message], batch);
        if (batch.stats.records >= plan.batchSize) {
          rows.push(...(await pipeline.processDecoded(batch)).incidents);
          batch = new DecodedBatch();
        }
      }
      rows.push(...(await pipeline.processDecoded(batch)).incidents);
    }),
  );
  return rows;
}

let baseline: ReturnType<typeof comparable>;

beforeAll(async () => {
  baseline = comparable(await runPlan({ batchSize: 100, partitionOf: messages.map(() => 0), redelivered: [], seed: 1 }));
});

describe("determinism", () => {
  test("the baseline finds every core detection's incident in the sample", () => {
    expect([...new Set(baseline.map((row) => row.DetectionId))]).toEqual(
      expect.arrayContaining(["anonymous-access", "secret-enumeration", "rbac-binding-change", "pod-exec"]),
    );
  });

  test("one instance, any batch size, any redelivery: the same incidents of every detection, each revision emitted once", async () => {
    const plans = fc.record({
      batchSize: fc.integer({ min: 1, max: 400 }),
      partitionOf: fc.constant(messages.map(() => 0)),
      redelivered: fc.uniqueArray(fc.integer({ min: 0, max: messages.length - 1 }), { maxLength: 8 }),
      seed: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(plans, async (plan) => {
        const rows = await runPlan(plan);
        expect(comparable(rows)).toEqual(baseline);
        const emitted = rows.map((row) => `${row.IncidentId}#${row.Revision}`);
        expect(new Set(emitted).size).toBe(emitted.length);
      }),
      { numRuns: 15 },
    );
  });

  // Several instances: order-sensitive detections (sequences joined through memory) may judge a follow-up
  // before its precursor's lesson is stored, as live processing over partitions would; every other
  // detection gives exactly the same incidents.
  test("any batch size, any number of instances, any redelivery: the same incidents, each revision emitted once", async () => {
    const plans = fc.integer({ min: 1, max: 6 }).chain((partitions) =>
      fc.record({
        batchSize: fc.integer({ min: 1, max: 400 }),
        partitionOf: fc.array(fc.integer({ min: 0, max: partitions - 1 }), { minLength: messages.length, maxLength: messages.length }),
        redelivered: fc.uniqueArray(fc.integer({ min: 0, max: messages.length - 1 }), { maxLength: 8 }),
        seed: fc.integer(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(plans, async (plan) => {
        const rows = await runPlan(plan);
        expect(comparable(orderIndependent(rows))).toEqual(orderIndependent(baseline));
        const emitted = rows.map((row) => `${row.IncidentId}#${row.Revision}`);
        expect(new Set(emitted).size).toBe(emitted.length);
      }),
      { numRuns: 25 },
    );
  });

  test("the replay runner (file reading, round-robin partitions, sweeping) gives the same incidents", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 8 }), fc.integer(), async (batchSize, partitions, seed) => {
        const rows: IncidentRow[] = [];
        const result = await runReplay({
          inputs: [SAMPLE.pathname],
          store: new ShuffledStore(seededRandom(seed)),
          batchSize,
          partitions,
          clock: () => FIXED_NOW,
          onIncident: (row) => {
            rows.push(row);
          },
        });
        expect(result.stats.events).toBe(2060);
        if (partitions === 1) expect(comparable(rows)).toEqual(baseline);
        else expect(comparable(orderIndependent(rows))).toEqual(orderIndependent(baseline));
      }),
      { numRuns: 15 },
    );
  });

  test("parse workers give the rows parsing on the main thread gives, byte for byte; with any batch size and partitions, the same incidents", async () => {
    const run = async (workers: number, batchSize: number, partitions: number) => {
      const rows: IncidentRow[] = [];
      const result = await runReplay({
        inputs: [SAMPLE.pathname],
        store: new ShuffledStore(seededRandom(batchSize)),
        batchSize,
        partitions,
        workers,
        // Small jobs: the sample's 64 lines become 64 jobs spread over the workers.
        limits: { jobBytes: 8 * 1024, maxRecordBytes: 1 << 20, maxDocumentBytes: 1 << 20 },
        clock: () => FIXED_NOW,
        onIncident: (row) => {
          rows.push(row);
        },
      });
      expect(result.workers).toBe(Math.max(1, workers));
      expect(result.stats.events).toBe(2060);
      return rows;
    };
    const here = JSON.stringify(await run(1, 37, 1));
    expect(JSON.stringify(await run(2, 37, 1))).toBe(here);
    expect(comparable(await run(3, 7, 1))).toEqual(baseline);
    expect(comparable(orderIndependent(await run(3, 7, 3)))).toEqual(orderIndependent(baseline));
  });
});
