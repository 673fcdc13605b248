/** Key encoding: any string gives legal Table keys, distinct strings give distinct keys. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stateKeyOf } from "../../pipeline/detect/engine.js";
import { escapeKey, MAX_KEY_CHARS, rowKeyOf, tableKeyOf, unescapeKey } from "../../pipeline/state/tableKeys.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters Table keys forbid.
const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
const options = { buckets: 8, fallbackLabel: "state" };

/** Any UTF-16 string, lone surrogates included, and strings built from the troublesome characters. */
const anyKey = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: fc.constantFrom("/", "\\", "#", "?", "%", "~", "u", "0", "A", "\u0000", "\u007f", "\u009f", "é", "\ud800", "😀"), maxLength: 60 }),
  fc.string({ unit: "grapheme-ascii", minLength: 400, maxLength: 1200 }),
);

function legal(key: string): boolean {
  return !FORBIDDEN.test(key) && key.length <= MAX_KEY_CHARS && /^[\x20-\x7e]*$/.test(key);
}

describe("table keys", () => {
  test("escaping round-trips every string and leaves only legal ASCII", () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        const escaped = escapeKey(key);
        expect(unescapeKey(escaped)).toBe(key);
        expect(FORBIDDEN.test(escaped)).toBe(false);
        expect(escaped).toMatch(/^[\x21-\x7e]*$/);
      }),
      { numRuns: 2_000 },
    );
  });

  test("distinct keys get distinct, legal RowKeys and legal PartitionKeys", () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        fc.pre(a !== b);
        const ka = tableKeyOf(a, options);
        const kb = tableKeyOf(b, options);
        expect(ka.rowKey).not.toBe(kb.rowKey);
        for (const key of [ka.partitionKey, ka.rowKey, kb.partitionKey, kb.rowKey]) expect(legal(key)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  test("keys that differ only after a long shared prefix stay distinct (hashed form)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 600, maxLength: 700 }),
        fc.string({ minLength: 1, maxLength: 5 }),
        fc.string({ minLength: 1, maxLength: 5 }),
        (prefix, x, y) => {
          fc.pre(x !== y);
          expect(rowKeyOf(prefix + x)).not.toBe(rowKeyOf(prefix + y));
        },
      ),
    );
  });

  test("a state key reads as itself, labelled by detection and spread over buckets", () => {
    const key = stateKeyOf(
      "pod-exec",
      "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks1",
      ["alice@contoso.com", "pods/default/web-0"],
      1763632800000,
    );
    const { partitionKey, rowKey } = tableKeyOf(key, options);
    expect(partitionKey).toMatch(/^pod-exec\.0[0-7]$/);
    expect(rowKey).toBe(
      '["pod-exec","%2Fsubscriptions%2Fs%2Fresourcegroups%2Frg%2Fproviders%2Fmicrosoft.containerservice%2Fmanagedclusters%2Faks1","alice@contoso.com","pods%2Fdefault%2Fweb-0",1763632800000]',
    );
    const buckets = new Set(
      Array.from({ length: 200 }, (_, i) => tableKeyOf(stateKeyOf("pod-exec", "c", ["alice", `pods/ns/p${i}`], 0), options).partitionKey),
    );
    expect(buckets.size).toBe(8);
  });

  test("a 2,000-character username hashes behind a readable prefix", () => {
    const key = stateKeyOf("secret-enumeration", "c", ["x".repeat(2_000)], 0);
    const rowKey = rowKeyOf(key);
    expect(rowKey.length).toBeLessThanOrEqual(MAX_KEY_CHARS);
    expect(rowKey.startsWith('["secret-enumeration","c","xxxx')).toBe(true);
    expect(rowKey).toMatch(/~[A-Za-z0-9_-]{43}$/);
  });
});
