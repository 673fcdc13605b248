/**
 * The Table Storage state store against Azurite, through the real SDK: racing writers lose no update,
 * any username is a safe key, large values survive, emissions are committed with their state once, the
 * outbox leases and keeps what is undelivered, sweeping deletes what expired and nothing else.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stateKeyOf } from "../../pipeline/detect/engine.js";
import { createStateStore, StateSpecError } from "../../pipeline/state/createStateStore.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import { FIRST_LEASE_MS, type IncidentOutbox } from "../../pipeline/state/incidentOutbox.js";
import { RecallCache } from "../../pipeline/state/recallCache.js";
import type { EmitFn, StateEntry } from "../../pipeline/state/stateStore.js";
import { StateStoreError } from "../../pipeline/state/stateStoreError.js";
import { TableStateStore } from "../../pipeline/state/tableStateStore.js";
import { type Azurite, startAzurite } from "../support/azurite.js";
import { freshTables, QUICK_RETRY, setCodec, snapshot, tableStore, valuesOf } from "./stateKit.js";

let azurite: Azurite;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

function entries(values: Record<string, string[]>, expiresAt = 1_000): Map<string, StateEntry<string[]>> {
  return new Map(Object.entries(values).map(([key, value]) => [key, { value, expiresAt }]));
}

/** Two store objects on the same tables: two processes, each with its own cache. */
function twoProcesses(settings: Parameters<typeof tableStore>[1] = {}): [TableStateStore, TableStateStore] {
  const tables = { ...freshTables(), ...settings };
  return [tableStore(azurite.connectionString, tables), tableStore(azurite.connectionString, tables)];
}

describe("racing writers", () => {
  test("two stores read, then both write: the second gets a 412, re-reads, merges, and nothing is lost", async () => {
    const [a, b] = twoProcesses();
    await a.mergeWrite(entries({ k: ["base"] }), setCodec);
    await a.read(["k"], setCodec);
    await b.read(["k"], setCodec);
    expect(valuesOf(await a.mergeWrite(entries({ k: ["from-a"] }), setCodec))).toEqual(new Map([["k", ["base", "from-a"]]]));
    // b's cached ETag is now stale.
    expect(valuesOf(await b.mergeWrite(entries({ k: ["from-b"] }), setCodec))).toEqual(new Map([["k", ["base", "from-a", "from-b"]]]));
    expect(b.stats.conflicts).toBe(1);
    // a's cache is stale too: its next write conflicts, re-reads and keeps b's item.
    await a.mergeWrite(entries({ k: ["again-a"] }), setCodec);
    expect(await tableStore(azurite.connectionString, { stateTable: a.stateTable }).read(["k"], setCodec)).toEqual(
      new Map([["k", ["again-a", "base", "from-a", "from-b"]]]),
    );
  });

  test("two stores writing a new key at once: whichever insert loses (409) merges instead", async () => {
    const [a, b] = twoProcesses();
    await Promise.all([a.mergeWrite(entries({ k: ["a"] }), setCodec), b.mergeWrite(entries({ k: ["b"] }), setCodec)]);
    expect(await a.read(["k"], setCodec)).toEqual(new Map([["k", ["a", "b"]]]));
  });

  test("a 412 inside a transaction retries the transaction's keys: every write lands", async () => {
    // One bucket: both keys share a PartitionKey, so they travel in one entity-group transaction.
    const [a, b] = twoProcesses({ partitionBuckets: 1 });
    await a.mergeWrite(entries({ k1: ["a1"], k2: ["a2"] }), setCodec);
    expect(a.stats.batches).toBe(1);
    await b.read(["k1", "k2"], setCodec);
    await a.mergeWrite(entries({ k2: ["a2-later"] }), setCodec);
    await b.mergeWrite(entries({ k1: ["b1"], k2: ["b2"] }), setCodec);
    expect(b.stats.conflicts).toBe(1);
    expect(b.stats.batches).toBe(2);
    expect(await a.read(["k1", "k2"], setCodec)).toEqual(
      new Map([
        ["k1", ["a1", "b1"]],
        ["k2", ["a2", "a2-later", "b2"]],
      ]),
    );
  });

  test("many processes writing one key at once: the stored value holds every write", async () => {
    const tables = freshTables();
    const writers = Array.from({ length: 6 }, () =>
      tableStore(azurite.connectionString, { ...tables, partitionBuckets: 1, retry: { ...QUICK_RETRY, conflictAttempts: 50 } }),
    );
    await Promise.all(
      writers.flatMap((store, w) => Array.from({ length: 4 }, (_, i) => store.mergeWrite(entries({ hot: [`w${w}-${i}`], [`own${w}`]: [`${i}`] }), setCodec))),
    );
    const stored = await tableStore(azurite.connectionString, tables).read(["hot"], setCodec);
    expect(stored.get("hot")).toHaveLength(24);
  });
});

describe("keys", () => {
  const usernames = [
    "a/b\\c#d?e",
    "nul\u0000del\u007fc1\u009fend",
    "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/#alice@contoso.com",
    "alice_contoso.com#EXT#@fabrikam.onmicrosoft.com",
    "system:serviceaccount:kube-system:default",
    "percent%2Fencoded%u002F",
    "quote'apostrophe\"",
    "ünïcödé 😀 \ud800 lone surrogate",
    "y".repeat(2_000),
  ];

  test("usernames with every character Table keys forbid round-trip through mergeWrite and a fresh store's read", async () => {
    const tables = freshTables();
    const writer = tableStore(azurite.connectionString, tables);
    const written = new Map(
      usernames.map((username, i) => [stateKeyOf("pod-exec", "/subscriptions/s/aks", [username, `pods/ns/p${i}`], 1763632800000), [username, `item-${i}`]]),
    );
    await writer.mergeWrite(new Map([...written].map(([key, value]) => [key, { value, expiresAt: 1 }])), setCodec);
    const reader = tableStore(azurite.connectionString, tables);
    expect(await reader.read([...written.keys()], setCodec)).toEqual(written);
    // One entity per key: no two usernames collapsed into one.
    expect(await snapshot(azurite.connectionString, tables.stateTable)).toHaveLength(usernames.length);
  });

  test("any string is a key: random keys round-trip", async () => {
    const tables = freshTables();
    const store = tableStore(azurite.connectionString, tables);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.string({ unit: "binary", maxLength: 80 }), { minLength: 1, maxLength: 12 }), async (keys) => {
        await store.mergeWrite(new Map(keys.map((key) => [key, { value: [key], expiresAt: 1 }])), setCodec);
        const fresh = tableStore(azurite.connectionString, tables);
        const read = await fresh.read(keys, setCodec);
        for (const key of keys) expect(read.get(key)).toContain(key);
      }),
      { numRuns: 10 },
    );
  });
});

describe("values", () => {
  test("values past a string property's 64 KiB are compressed and split, and read back exactly", async () => {
    const tables = freshTables();
    const store = tableStore(azurite.connectionString, tables);
    const big = Array.from({ length: 6_000 }, (_, i) => `auditid-${i.toString(16).padStart(8, "0")}-${"é".repeat(i % 7)}`);
    // Hex of random bytes barely compresses: this one needs several binary chunks.
    const noisy = Array.from({ length: 400 }, () => Buffer.from(Array.from({ length: 250 }, () => Math.floor(Math.random() * 256))).toString("hex"));
    await store.mergeWrite(entries({ big, noisy }), setCodec);
    const stored = await snapshot(azurite.connectionString, tables.stateTable);
    expect(stored.every((entity) => entity.v === undefined && typeof entity.n === "number")).toBe(true);
    expect(stored.some((entity) => (entity.n as number) > 1)).toBe(true);
    const read = await tableStore(azurite.connectionString, tables).read(["big", "noisy"], setCodec);
    expect(read.get("big")).toEqual(big);
    expect(read.get("noisy")).toEqual(noisy);
  });

  test("a value too large for one entity fails the write with a typed error, not silently", async () => {
    const store = tableStore(azurite.connectionString, freshTables());
    const huge = Array.from({ length: 6_000 }, () => Buffer.from(Array.from({ length: 200 }, () => Math.floor(Math.random() * 256))).toString("base64"));
    const failure = await store.mergeWrite(entries({ huge }), setCodec).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StateStoreError);
    expect(failure).toMatchObject({ operation: "mergeWrite", reason: "value too large", keyCount: 1 });
  });
});

describe("cache and per-batch I/O", () => {
  test("keys this store wrote are not read again; a merge that adds nothing writes nothing", async () => {
    const store = tableStore(azurite.connectionString, { ...freshTables(), partitionBuckets: 1, blindInserts: "never" });
    await store.mergeWrite(entries({ a: ["1"], b: ["1"] }), setCodec);
    expect(store.stats).toMatchObject({ reads: 2, batches: 1, batchedEntities: 2, writes: 0 });
    await store.mergeWrite(entries({ a: ["2"], b: ["1"] }), setCodec);
    expect(store.stats).toMatchObject({ reads: 2, cacheHits: 2, unchanged: 1, batches: 1, writes: 1 });
    await store.mergeWrite(entries({ a: ["1", "2"] }), setCodec);
    expect(store.stats).toMatchObject({ reads: 2, unchanged: 2, batches: 1, writes: 1 });
  });

  test("once most unseen keys turn out new, it inserts without reading; a key that existed after all is merged, not overwritten", async () => {
    const [store, other] = twoProcesses();
    for (let i = 0; i < 10; i++) await store.mergeWrite(entries({ [`new${i}`]: ["x"] }), setCodec);
    // The first few are read (404s); the rest go straight to a conditional insert.
    expect(store.stats.reads).toBeGreaterThan(0);
    expect(store.stats.reads).toBeLessThan(5);
    expect(store.stats.reads + store.stats.blindInserts).toBe(10);
    await other.mergeWrite(entries({ existing: ["theirs"] }), setCodec);
    expect(valuesOf(await store.mergeWrite(entries({ existing: ["ours"] }), setCodec))).toEqual(new Map([["existing", ["ours", "theirs"]]]));
    expect(store.stats.conflicts).toBe(1);
  });

  test("a full cache forgets the least recently used keys and reads them again", async () => {
    const store = tableStore(azurite.connectionString, { ...freshTables(), cache: { maxEntries: 2 }, blindInserts: "never" });
    await store.mergeWrite(entries({ a: ["1"], b: ["1"], c: ["1"] }), setCodec);
    await store.mergeWrite(entries({ a: ["2"], b: ["2"], c: ["2"] }), setCodec);
    expect(store.stats.reads).toBe(4);
    expect(store.stats.cacheHits).toBe(2);
  });
});

/** Emits `id` for every write of key `k`, with the merged value as the row. */
function emitting(id: string): EmitFn<string[]> {
  return (key, merged) => (key === "k" ? { id, row: JSON.stringify(merged) } : undefined);
}

describe("emissions", () => {
  test("committed with the state write that produced them, once: a second write of the same id emits nothing", async () => {
    const [a, b] = twoProcesses();
    const first = await a.mergeWrite(entries({ k: ["a"] }), setCodec, emitting("kt-1#1"));
    expect(first.get("k")?.emitted).toEqual({ id: "kt-1#1", row: '["a"]' });
    // Another process brings a different state that evaluates to the same revision: its write lands
    // (the transaction is sent again without the emission), the emission does not.
    const second = await b.mergeWrite(entries({ k: ["b"] }), setCodec, emitting("kt-1#1"));
    expect(second.get("k")).toEqual({ value: ["a", "b"], alreadyEmitted: "kt-1#1" });
    expect(b.stats.emissionsTaken).toBe(1);
    expect(await a.read(["k"], setCodec)).toEqual(new Map([["k", ["a", "b"]]]));
  });

  test("a redelivered batch changes no state, so it writes nothing and emits nothing", async () => {
    const store = tableStore(azurite.connectionString, freshTables());
    await store.mergeWrite(entries({ k: ["a"] }), setCodec, emitting("kt-1#1"));
    const writes = store.stats.writes + store.stats.batches;
    const again = await store.mergeWrite(entries({ k: ["a"] }), setCodec, emitting("kt-1#1"));
    expect(again.get("k")).toEqual({ value: ["a"] });
    expect(store.stats.writes + store.stats.batches).toBe(writes);
  });

  test("racing processes emitting one id for one key: exactly one emits, no update is lost", async () => {
    const tables = freshTables();
    const stores = Array.from({ length: 4 }, () => tableStore(azurite.connectionString, tables));
    const outcomes = await Promise.all(stores.map((store, i) => store.mergeWrite(entries({ k: [`w${i}`] }), setCodec, emitting("kt-1#1"))));
    expect(outcomes.filter((o) => o.get("k")?.emitted)).toHaveLength(1);
    expect(await stores[0]?.read(["k"], setCodec)).toEqual(new Map([["k", ["w0", "w1", "w2", "w3"]]]));
  });
});

describe("outbox", () => {
  test("an emission stays pending until delivered: leased first by its writer, then by whoever asks after the lease", async () => {
    let now = 1_000_000;
    const tables = freshTables();
    const writer = tableStore(azurite.connectionString, { ...tables, outbox: true, now: () => now });
    const timer = tableStore(azurite.connectionString, { ...tables, outbox: true, now: () => now });
    await writer.mergeWrite(entries({ k: ["a"] }), setCodec, emitting("kt-1#1"));
    const outbox = timer.outbox as IncidentOutbox;
    expect(await outbox.pending()).toEqual([{ id: "kt-1#1", row: '["a"]', attempts: 0 }]);
    // The writer holds the first lease.
    expect(await outbox.lease({ now, leaseMs: 60_000, limit: 10 })).toEqual([]);
    now += FIRST_LEASE_MS + 1;
    expect(await outbox.lease({ now, leaseMs: 60_000, limit: 10 })).toEqual([{ id: "kt-1#1", row: '["a"]', attempts: 0 }]);
    // Leased now: nobody else gets it until the lease runs out.
    expect(await (writer.outbox as IncidentOutbox).lease({ now, leaseMs: 60_000, limit: 10 })).toEqual([]);
    await outbox.markFailed([{ id: "kt-1#1", error: "HTTP 503", retryAt: now + 30_000 }]);
    expect(await outbox.pending()).toEqual([{ id: "kt-1#1", row: '["a"]', attempts: 1, lastError: "HTTP 503" }]);
    expect(await outbox.lease({ now: now + 29_000, leaseMs: 60_000, limit: 10 })).toEqual([]);
    const [retry] = await outbox.lease({ now: now + 31_000, leaseMs: 60_000, limit: 10 });
    expect(retry).toMatchObject({ id: "kt-1#1", attempts: 1 });
    // The writer's delivery came late, after the timer leased it: marking still settles it once.
    await (writer.outbox as IncidentOutbox).markDelivered(["kt-1#1"]);
    await outbox.markDelivered(["kt-1#1"]);
    expect(await outbox.pending()).toEqual([]);
  });

  test("a sweep deletes delivered emissions with their state, and never a pending one", async () => {
    const store = tableStore(azurite.connectionString, { ...freshTables(), outbox: true });
    await store.mergeWrite(entries({ k: ["a"] }), setCodec, emitting("kt-1#1"));
    await store.mergeWrite(entries({ k: ["b"] }), setCodec, emitting("kt-1#2"));
    const outbox = store.outbox as IncidentOutbox;
    await outbox.markDelivered(["kt-1#1"]);
    expect(await store.sweep(Number.POSITIVE_INFINITY)).toBe(2);
    expect((await outbox.pending()).map((e) => e.id)).toEqual(["kt-1#2"]);
  });
});

describe("progress", () => {
  test("keeps each source's latest event time, whichever process records it", async () => {
    const [a, b] = twoProcesses();
    await a.recordProgress("hub/0", 5_000);
    await b.recordProgress("hub/0", 4_000);
    await b.recordProgress("hub/1", 7_000);
    const progress = await a.progress();
    expect([...progress].map(([source, p]) => [source, p.eventTime]).sort()).toEqual([
      ["hub/0", 5_000],
      ["hub/1", 7_000],
    ]);
    for (const p of progress.values()) expect(p.recordedAt).toBeGreaterThan(Date.parse("2025-01-01"));
  });
});

describe("sweep", () => {
  test("deletes state and emissions that expired before the watermark, and nothing else", async () => {
    const tables = freshTables();
    const store = tableStore(azurite.connectionString, { ...tables, partitionBuckets: 1 });
    const expired = new Map(Array.from({ length: 150 }, (_, i) => [`old${i}`, { value: [`${i}`], expiresAt: 1763632800000 + i }]));
    await store.mergeWrite(expired, setCodec);
    await store.mergeWrite(entries({ live: ["x"] }, 1763632900000), setCodec);
    await store.mergeWrite(entries({ k: ["x"] }, 1763632800000), setCodec, emitting("kt-old#1"));
    expect(await store.sweep(1763632800100)).toBe(102);
    expect(await store.sweep(1763632899999)).toBe(50);
    expect(await store.sweep(1763632899999)).toBe(0);
    expect((await snapshot(azurite.connectionString, tables.stateTable)).map((e) => e.rowKey)).toEqual(["live"]);
    // A swept key is gone for the store that swept it too, and can be written afresh.
    expect(await store.read(["old1"], setCodec)).toEqual(new Map());
    await store.mergeWrite(entries({ old1: ["new"] }), setCodec);
    expect(await store.read(["old1"], setCodec)).toEqual(new Map([["old1", ["new"]]]));
  });
});

describe("createStateStore", () => {
  test("maps --state to a store: memory, or a connection string whose tables it creates", async () => {
    expect(await createStateStore("memory")).toBeInstanceOf(MemoryStateStore);
    const tables = freshTables();
    const store = await createStateStore(azurite.connectionString, tables);
    expect(store).toBeInstanceOf(TableStateStore);
    expect(await snapshot(azurite.connectionString, tables.stateTable)).toEqual([]);
  });

  test("rejects what it cannot use without echoing it", async () => {
    await expect(createStateStore("AccountKey=secret-looking")).rejects.toThrow(StateSpecError);
    await expect(createStateStore("AccountKey=secret-looking")).rejects.not.toThrow(/secret-looking/);
    await expect(createStateStore("http://127.0.0.1:1/devstoreaccount1")).rejects.toThrow(/https/);
  });
});

describe("reads that accept staleness (detection memory)", () => {
  test("within maxStaleMs a key is read once, present or absent; later it is read again and another process's write shows", async () => {
    let now = 1_000_000;
    const tables = freshTables();
    const a = tableStore(azurite.connectionString, { ...tables, now: () => now });
    const b = tableStore(azurite.connectionString, tables);
    await b.mergeWrite(entries({ present: ["1"] }), setCodec);

    expect(await a.read(["present", "absent"], setCodec, { maxStaleMs: 60_000 })).toEqual(new Map([["present", ["1"]]]));
    const reads = a.stats.reads;
    now += 30_000;
    await b.mergeWrite(entries({ present: ["2"], absent: ["x"] }), setCodec);
    expect(await a.read(["present", "absent"], setCodec, { maxStaleMs: 60_000 })).toEqual(new Map([["present", ["1"]]]));
    expect(a.stats.reads).toBe(reads);
    expect(a.stats.recallHits).toBe(2);

    now += 31_000;
    expect(await a.read(["present", "absent"], setCodec, { maxStaleMs: 60_000 })).toEqual(
      new Map([
        ["present", ["1", "2"]],
        ["absent", ["x"]],
      ]),
    );
    expect(a.stats.reads).toBe(reads + 2);
  });

  test("a process sees its own writes at once, and a read without maxStaleMs always goes to the table", async () => {
    const tables = freshTables();
    const a = tableStore(azurite.connectionString, tables);
    const b = tableStore(azurite.connectionString, tables);
    expect(await a.read(["k"], setCodec, { maxStaleMs: 60_000 })).toEqual(new Map());
    await a.mergeWrite(entries({ k: ["mine"] }), setCodec);
    expect(await a.read(["k"], setCodec, { maxStaleMs: 60_000 })).toEqual(new Map([["k", ["mine"]]]));
    await b.mergeWrite(entries({ k: ["theirs"] }), setCodec);
    expect(await a.read(["k"], setCodec)).toEqual(new Map([["k", ["mine", "theirs"]]]));
  });
});

describe("the recall cache", () => {
  test("a read answer sent before a write landed never replaces what the write recorded", () => {
    const cache = new RecallCache();
    cache.record("k", "written", 1_000);
    cache.recordRead("k", "older", 990);
    cache.recordRead("k", "same moment", 1_000);
    expect(cache.get("k", 0)).toEqual({ text: "written", at: 1_000 });
    cache.recordRead("k", "newer", 1_010);
    expect(cache.get("k", 0)).toEqual({ text: "newer", at: 1_010 });
    expect(cache.get("k", 1_011)).toBeUndefined();
  });

  test("it is bounded: the least recently recorded key goes first", () => {
    const cache = new RecallCache(2);
    cache.record("a", "1", 1);
    cache.record("b", "2", 2);
    cache.record("c", null, 3);
    expect([cache.get("a", 0), cache.get("b", 0)?.text, cache.get("c", 0)?.text]).toEqual([undefined, "2", null]);
  });
});
