/**
 * Bytes read but not yet cut into jobs, and the pull of the next chunk that turns a read failure into an
 * end of input (the cutter then flushes what it has and reports the failure where it happened).
 *
 * Chunks are appended into one buffer that the next job takes whole (transferred to a worker, not copied
 * again): each byte is copied once, plus the few bytes past a job's cut, which move to a fresh buffer.
 */
import { SourceAborted, SourceFailure } from "../byteSource.js";

export class PendingBytes {
  private buffer: Uint8Array;
  length = 0;

  /** `capacity`: room for a job and the chunk that completes it, so that filling a job rarely grows the buffer. */
  constructor(private readonly capacity = 2 << 20) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.length + chunk.byteLength > this.buffer.byteLength) this.buffer = this.copy(0, Math.max(2 * (this.length + chunk.byteLength), this.capacity));
    this.buffer.set(chunk, this.length);
    this.length += chunk.byteLength;
  }

  /** The pending bytes, as a Buffer view (no copy): valid until the next push, take or drop. */
  flat(): Buffer {
    return Buffer.from(this.buffer.buffer, 0, this.length);
  }

  /** Removes the first `n` bytes and returns them as the sole view of their own ArrayBuffer (transferable). */
  take(n: number): Uint8Array {
    const taken = this.buffer.subarray(0, n);
    this.buffer = this.copy(n, Math.max(2 * (this.length - n), this.capacity));
    this.length -= n;
    return taken;
  }

  drop(n: number): void {
    this.buffer.copyWithin(0, n, this.length);
    this.length -= n;
  }

  /** A new buffer of `capacity` holding bytes [from, length): unpooled (its ArrayBuffer is its own) and not zero-filled. */
  private copy(from: number, capacity: number): Uint8Array {
    const next = Buffer.allocUnsafeSlow(capacity);
    next.set(this.buffer.subarray(from, this.length));
    return next;
  }
}

export type Pulled = { readonly chunk: Buffer } | { readonly end: true; readonly failure?: string; readonly aborted?: boolean };

/** The next chunk, or the end of input with the reason it ended early (a failure, or the replay being stopped). */
export async function pull(chunks: AsyncIterator<Buffer>): Promise<Pulled> {
  try {
    const next = await chunks.next();
    return next.done ? { end: true } : { chunk: next.value };
  } catch (error) {
    if (error instanceof SourceFailure) return { end: true, failure: error.message };
    if (error instanceof SourceAborted) return { end: true, aborted: true };
    throw error;
  }
}

/** Newlines in `bytes[start, end)`, counted natively. */
export function countNewlines(bytes: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10, start); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
