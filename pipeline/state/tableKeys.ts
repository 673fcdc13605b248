/**
 * Maps opaque state keys (JSON arrays holding arbitrary usernames) to Table Storage keys.
 *
 * RowKey: a readable escaping of the whole key. Letters, digits and a few punctuation characters stay as
 * they are; every other UTF-16 code unit becomes `%XX` (below U+0100) or `%uXXXX`. `%` itself is escaped,
 * so the escaping is injective, and the output holds none of `/ \ # ?`, no control character and nothing
 * outside ASCII. Escaping was chosen over base64url so that an operator reading the table in Storage
 * Explorer still sees `["pod-exec",%22%2Fsubscriptions…` rather than noise.
 *
 * Long keys: an escaped key longer than MAX_KEY_CHARS becomes a readable prefix, `~`, and the SHA-256 of
 * the whole key (base64url). `~` is never left unescaped by the escaping, so a hashed RowKey can only
 * equal another hashed RowKey, and then only for equal SHA-256 digests.
 *
 * PartitionKey: `<label>.<bucket>`: the key's first element (the detection id, or `memory`) for
 * readability, and a bucket from the key's hash so that one detection, or one busy actor with many
 * targets, spreads over several partitions (2,000 entities/s each) instead of one. A single key is one
 * entity, written at most once per batch per instance, far below that rate. The bucket count is part of
 * the table's layout: changing it orphans stored state (it then looks absent and is rebuilt).
 */
import { createHash } from "node:crypto";

/**
 * Table keys may hold up to 1 KiB. The docs do not say whether that counts UTF-8 or UTF-16 bytes, so keys
 * stay at 512 ASCII characters, which fits either reading.
 */
export const MAX_KEY_CHARS = 512;

/** Prefix kept in front of the hash of a long key: enough to see which detection and actor it is. */
const HASHED_PREFIX_CHARS = MAX_KEY_CHARS - 64;

const SAFE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.,:;=@+()[]{}!*$&|^<>"') SAFE[c.charCodeAt(0)] = 1;

export interface TableKey {
  readonly partitionKey: string;
  readonly rowKey: string;
}

/** Escapes a string into characters every Table key accepts; `unescapeKey` inverts it. */
export function escapeKey(text: string): string {
  let out = "";
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 && SAFE[code] === 1) continue;
    out += text.slice(plainFrom, i);
    out += code < 0x100 ? `%${hex(code, 2)}` : `%u${hex(code, 4)}`;
    plainFrom = i + 1;
  }
  return out + text.slice(plainFrom);
}

export function unescapeKey(escaped: string): string {
  return escaped.replace(/%(u[0-9A-F]{4}|[0-9A-F]{2})/g, (_, code: string) =>
    String.fromCharCode(Number.parseInt(code.startsWith("u") ? code.slice(1) : code, 16)),
  );
}

/** The RowKey of a state key or claim id: escaped, or a readable prefix and a hash when too long. */
export function rowKeyOf(key: string): string {
  const escaped = escapeKey(key);
  if (escaped.length <= MAX_KEY_CHARS) return escaped;
  return `${trimPartialEscape(escaped.slice(0, HASHED_PREFIX_CHARS))}~${digest(key).toString("base64url")}`;
}

export interface PartitionOptions {
  /** Hash buckets per label. */
  readonly buckets: number;
  /** Used when the key names no label of its own (claim ids, keys that are not JSON arrays). */
  readonly fallbackLabel: string;
}

/** The Table key of a state key: see the module comment. */
export function tableKeyOf(key: string, options: PartitionOptions): TableKey {
  const bucket = digest(key).readUInt32BE(0) % options.buckets;
  const label = labelOf(key) ?? options.fallbackLabel;
  return { partitionKey: `${label}.${String(bucket).padStart(2, "0")}`, rowKey: rowKeyOf(key) };
}

/** `pod-exec` for `["pod-exec",…]`; undefined when the key does not start with a plain id. */
function labelOf(key: string): string | undefined {
  return /^\["([a-z0-9][a-z0-9-]{0,39})"/.exec(key)?.[1];
}

/** Hashes UTF-16 code units: UTF-8 would map every lone surrogate to U+FFFD and make keys collide. */
function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf16le").digest();
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, "0");
}

/** Drops an escape sequence cut in half at the end of a prefix, so the prefix still reads correctly. */
function trimPartialEscape(prefix: string): string {
  const cut = prefix.lastIndexOf("%");
  if (cut === -1) return prefix;
  const tail = prefix.slice(cut);
  const complete = tail.startsWith("%u") ? tail.length >= 6 : tail.length >= 3;
  return complete ? prefix : prefix.slice(0, cut);
}
