/**
 * The Table Storage state store against Azurite, through the real SDK: racing writers lose no update,
 * any username is a safe key, large values survive, claims are insert-if-absent, sweeping deletes what
 * expired and nothing else.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stateKeyOf } from "../../pipeline/detect/engine.js";
import { createStateStore, StateSpecError } from "../../pipeline/state/createStateStore.js";
import { MemoryStateStore } from "../../pipeline/state/memoryStateStore.js";
import type { StateEntry } from "../../pipeline/state/stateStore.js";
import { StateStoreError } from "../../pipeline/state/stateStoreError.js";
import { TableStateStore } from "../../pipeline/state/tableStateStore.js";
import { type Azurite, startAzurite } from "../support/azurite.js";
import { freshTables, QUICK_RETRY, setCodec, snapshot, tableStore } from "./stateKit.js";

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
    expect(await a.mergeWrite(entries({ k: ["from-a"] }), setCodec)).toEqual(new Map([["k", ["base", "from-a"]]]));
    // b's cached ETag is now stale.
    expect(await b.mergeWrite(entries({ k: ["from-b"] }), setCodec)).toEqual(new Map([["k", ["base", "from-a", "from-b"]]]));
    expect(b.stats.conflicts).toBe(1);
    // a's cache is stale too: its next write conflicts, re-reads and keeps b's item.
    await a.mergeWrite(entries({ k: ["again-a"] }), setCodec);
    expect(await tableStore(azurite.connectionString, { stateTable: a.stateTable, claimsTable: a.claimsTable }).read(["k"], setCodec)).toEqual(
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
    expect(await store.mergeWrite(entries({ existing: ["ours"] }), setCodec)).toEqual(new Map([["existing", ["ours", "theirs"]]]));
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

describe("claims", () => {
  test("insert-if-absent: the first claim wins, every later one, in any process, loses", async () => {
    const [a, b] = twoProcesses();
    expect(await a.claim("kt-1#1", 1_000)).toBe(true);
    expect(await a.claim("kt-1#1", 1_000)).toBe(false);
    expect(await b.claim("kt-1#1", 1_000)).toBe(false);
    const results = await Promise.all([a.claim("kt-1#2", 1_000), a.claim("kt-1#2", 1_000), b.claim("kt-1#2", 1_000), b.claim("kt-1#2", 1_000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(a.stats.claimCacheHits).toBe(1);
  });
});

describe("sweep", () => {
  test("deletes state and claims that expired before the watermark, in both tables, and nothing else", async () => {
    const tables = freshTables();
    const store = tableStore(azurite.connectionString, { ...tables, partitionBuckets: 1 });
    const expired = new Map(Array.from({ length: 150 }, (_, i) => [`old${i}`, { value: [`${i}`], expiresAt: 1763632800000 + i }]));
    await store.mergeWrite(expired, setCodec);
    await store.mergeWrite(entries({ live: ["x"] }, 1763632900000), setCodec);
    await store.claim("kt-old#1", 1763632800000);
    await store.claim("kt-live#1", 1763632900000);
    expect(await store.sweep(1763632800100)).toBe(101);
    expect(await store.sweep(1763632899999)).toBe(50);
    expect(await store.sweep(1763632899999)).toBe(0);
    expect((await snapshot(azurite.connectionString, tables.stateTable)).map((e) => e.rowKey)).toEqual(["live"]);
    expect((await snapshot(azurite.connectionString, tables.claimsTable)).map((e) => e.rowKey)).toEqual(["kt-live%231"]);
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
    expect(await snapshot(azurite.connectionString, tables.claimsTable)).toEqual([]);
  });

  test("rejects what it cannot use without echoing it", async () => {
    await expect(createStateStore("AccountKey=secret-looking")).rejects.toThrow(StateSpecError);
    await expect(createStateStore("AccountKey=secret-looking")).rejects.not.toThrow(/secret-looking/);
    await expect(createStateStore("http://127.0.0.1:1/devstoreaccount1")).rejects.toThrow(/https/);
  });
});
