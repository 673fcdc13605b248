/** Value layout within Table limits, and the small helpers of the Table store, without a server. */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { KeyLocks, mapLimit } from "../../pipeline/state/concurrency.js";
import { EntityCache } from "../../pipeline/state/entityCache.js";
import { fromProperties, MAX_ENTITY_BYTES, toProperties, ValueTooLargeError } from "../../pipeline/state/entityValue.js";
import { classify } from "../../pipeline/state/retry.js";

describe("entity values", () => {
  test("any text round-trips; no string property passes 64 KiB and no Binary chunk 64 KiB", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: "binary", minLength: 29_990, maxLength: 80_000 })), (text) => {
        const properties = toProperties(text);
        expect(fromProperties(properties)).toBe(text);
        for (const value of Object.values(properties)) {
          if (typeof value === "string") expect(value.length * 2).toBeLessThanOrEqual(64 * 1024);
          if (value instanceof Uint8Array) expect(value.length).toBeLessThanOrEqual(64 * 1024);
        }
      }),
      { numRuns: 30 },
    );
  });

  test("short text stays readable; a lone surrogate, which UTF-8 cannot carry, goes packed", () => {
    expect(toProperties('{"a":1}')).toEqual({ v: '{"a":1}' });
    expect(toProperties("x\ud800y")).toHaveProperty("n", 1);
  });

  test("text that cannot fit one entity even compressed is refused", () => {
    const incompressible = randomBytes(1_200_000).toString("latin1");
    expect(() => toProperties(incompressible)).toThrow(ValueTooLargeError);
    expect(MAX_ENTITY_BYTES).toBeLessThan(1024 * 1024);
  });

  test("an entity in no known layout reads as undefined, never as an empty value", () => {
    expect(fromProperties({})).toBeUndefined();
    expect(fromProperties({ n: 2, z0: new Uint8Array(1) })).toBeUndefined();
  });
});

describe("store helpers", () => {
  test("per-key locks serialize holders of a shared key and never deadlock", async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    const hold = async (name: string, keys: string[]) => {
      const release = await locks.acquire(keys);
      order.push(`+${name}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`-${name}`);
      release();
    };
    await Promise.all([hold("a", ["x", "y"]), hold("b", ["y", "x"]), hold("c", ["z"]), hold("d", ["x"])]);
    expect(order.indexOf("+b")).toBeGreaterThan(order.indexOf("-a"));
    expect(order.indexOf("+d")).toBeGreaterThan(order.indexOf("-b"));
    expect(order.indexOf("+c")).toBeLessThan(order.indexOf("-a"));
  });

  test("mapLimit keeps order and bounds concurrency", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  test("the cache evicts least recently used entries by count and by size, and by expiry on sweep", () => {
    const cache = new EntityCache({ maxEntries: 2, maxChars: 10 });
    cache.set("a", { text: "1234", etag: "e", expiresAt: 5 });
    cache.set("b", { text: "1234", etag: "e", expiresAt: 9 });
    cache.get("a");
    cache.set("c", { text: "12", etag: "e", expiresAt: 9 });
    expect([cache.get("a"), cache.get("b"), cache.get("c")].map((e) => e !== undefined)).toEqual([true, false, true]);
    cache.set("d", { text: "123456", etag: "e", expiresAt: 9 });
    expect([cache.get("a"), cache.get("c"), cache.get("d")].map((e) => e !== undefined)).toEqual([false, true, true]);
    cache.set("e", { text: "x".repeat(11), etag: "e", expiresAt: 9 });
    expect(cache.get("e")).toBeUndefined();
    cache.sweep(10);
    expect(cache.size).toBe(0);
  });

  test("failures are classified: conflicts re-read, outages retry, the rest fail at once", () => {
    expect(classify({ statusCode: 412 })).toBe("conflict");
    expect(classify({ statusCode: 409 })).toBe("conflict");
    expect(classify({ statusCode: 404, code: "TableNotFound" })).toBe("fatal");
    expect(classify({ statusCode: 503 })).toBe("transient");
    expect(classify({ statusCode: 500 })).toBe("transient");
    expect(classify({ code: "ECONNREFUSED" })).toBe("transient");
    expect(classify(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe("transient");
    expect(classify({ statusCode: 400 })).toBe("fatal");
    expect(classify({ statusCode: 403 })).toBe("fatal");
  });
});
