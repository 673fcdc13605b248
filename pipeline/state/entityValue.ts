/**
 * An encoded state value as Table entity properties, within the service's limits: a string property
 * holds at most 64 KiB (32K UTF-16 units) and a whole entity at most 1 MiB.
 *
 * Values up to INLINE_MAX_CHARS are kept as one readable string property `v`. Longer ones (busy keys reach
 * tens of KB), and any holding a lone surrogate, are gzipped as UTF-16, which shrinks this JSON several times over, and split into Binary properties
 * `z0…z{n-1}` of at most BINARY_CHUNK_BYTES, with `n` their count. A value that is still too large for
 * one entity is refused with an error: it is never truncated or dropped silently.
 */
import { gunzipSync, gzipSync } from "node:zlib";

const INLINE_MAX_CHARS = 30_000;
const BINARY_CHUNK_BYTES = 60_000;
/** The service's entity limit is 1 MiB; keep a margin for system properties and rounding. */
export const MAX_ENTITY_BYTES = 1_000_000;

export type ValueProperties = { v: string } | ({ n: number } & Record<`z${number}`, Uint8Array>);

export class ValueTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`encoded state value needs ${bytes} bytes, more than one Table entity holds (${MAX_ENTITY_BYTES})`);
  }
}

/** A surrogate without its pair: valid in a JS string, not in the UTF-8 the service stores. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function toProperties(text: string): ValueProperties {
  if (text.length <= INLINE_MAX_CHARS && !LONE_SURROGATE.test(text)) return { v: text };
  // UTF-16 code units, not UTF-8, so that any JS string comes back exactly.
  const packed = gzipSync(Buffer.from(text, "utf16le"));
  if (packed.length > MAX_ENTITY_BYTES - 4_096) throw new ValueTooLargeError(packed.length);
  const properties: Record<string, number | Uint8Array> = { n: Math.ceil(packed.length / BINARY_CHUNK_BYTES) };
  for (let i = 0, offset = 0; offset < packed.length; i++, offset += BINARY_CHUNK_BYTES) {
    properties[`z${i}`] = packed.subarray(offset, offset + BINARY_CHUNK_BYTES);
  }
  return properties as ValueProperties;
}

/** The value text of an entity, or undefined when the entity does not hold one in a known layout. */
export function fromProperties(entity: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof entity.v === "string") return entity.v;
  const count = entity.n;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) return undefined;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = entity[`z${i}`];
    if (!(chunk instanceof Uint8Array)) return undefined;
    chunks.push(chunk);
  }
  return gunzipSync(Buffer.concat(chunks)).toString("utf16le");
}

/**
 * Bytes the entity takes on the wire, for keeping a transaction under 4 MiB: JSON text, with Binary as
 * base64. An over-estimate is harmless (a smaller transaction), an under-estimate is not.
 */
export function wireBytes(properties: Readonly<Record<string, unknown>>, partitionKey: string, rowKey: string): number {
  let bytes = 512 + partitionKey.length + rowKey.length;
  for (const value of Object.values(properties)) {
    if (typeof value === "string") bytes += Buffer.byteLength(JSON.stringify(value));
    else if (value instanceof Uint8Array) bytes += Math.ceil(value.length / 3) * 4 + 64;
    else bytes += 64;
  }
  return bytes;
}
