/**
 * (e) Table Storage goes away mid-run (a proxy in front of Azurite stops accepting connections): the batch
 * fails with a typed error naming the operation, and once the store is back, processing that batch again
 * and the rest of the input gives the incidents of a run without an outage.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { IncidentRow } from "../../pipeline/incidents/incidentRow.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import type { IncidentOutbox } from "../../pipeline/state/incidentOutbox.js";
import { StateStoreError } from "../../pipeline/state/stateStoreError.js";
import { type Azurite, devConnectionString, startAzurite } from "../support/azurite.js";
import { comparable, newPipeline } from "../support/harness.js";
import { batchesOf, freshTables, runBatches, sampleMessages, tableStore } from "./stateKit.js";
import { TcpProxy } from "./tcpProxy.js";

let azurite: Azurite;
let proxy: TcpProxy;

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await TcpProxy.start(azurite.port);
});

afterAll(async () => {
  await proxy?.stop();
  await azurite?.stop();
});

describe("Table Storage outage", () => {
  test("(e) a clear error naming the operation, then nothing lost once the store is back", async () => {
    const baseline = comparable(await runBatches(newPipeline({ store: new MemoryStateStore() }), sampleMessages, 100));
    const store = tableStore(devConnectionString(proxy.port), freshTables());
    const pipeline = newPipeline({ store });
    const batches = batchesOf(pipeline, sampleMessages, 100);
    const rows: IncidentRow[] = [];
    let failure: unknown;
    for (const [i, batch] of batches.entries()) {
      // Down from the middle of the input until a batch needs the store and fails.
      if (i >= batches.length / 2 && failure === undefined) await proxy.pause();
      try {
        rows.push(...(await pipeline.processDecoded(batch)).incidents);
      } catch (error) {
        failure = error;
        await proxy.resume();
        // The trigger's checkpoint has moved on; the driver delivers the failed batch again.
        rows.push(...(await pipeline.processDecoded(batch)).incidents);
      }
    }
    await proxy.resume();
    expect(failure).toBeInstanceOf(StateStoreError);
    const error = failure as StateStoreError;
    expect(["read", "mergeWrite"]).toContain(error.operation);
    expect(error.reason).toBe("unavailable");
    expect(error.keyCount).toBeGreaterThan(0);
    expect(error.message).toMatch(
      new RegExp(`state store ${error.operation} of \\d+ key\\(s\\) in table ${store.stateTable} failed \\(unavailable\\): .*ECONNREFUSED`),
    );
    expect(store.stats.retries).toBeGreaterThan(0);
    expect(comparable(rows)).toEqual(baseline);
  });

  test("outbox operations during an outage fail with their own operation name, and succeed once back", async () => {
    const store = tableStore(devConnectionString(proxy.port), { ...freshTables(), outbox: true });
    await store.open();
    const outbox = store.outbox as IncidentOutbox;
    await proxy.pause();
    try {
      await expect(outbox.pending()).rejects.toMatchObject({ name: "StateStoreError", operation: "outbox", reason: "unavailable" });
    } finally {
      await proxy.resume();
    }
    expect(await outbox.pending()).toEqual([]);
  });
});
