/**
 * The bytes of one input, gunzipped when its name ends in `.gz`, pulled chunk by chunk: nothing is read
 * ahead of what the consumer asked for beyond one read buffer, so a 50 GB file costs one buffer. Gunzip
 * runs in zlib's thread pool, off the JavaScript thread, in 1 MiB pieces (16 KiB pieces cost the main thread
 * three times as much per byte).
 */
import { createReadStream } from "node:fs";
import { addAbortSignal, pipeline, type Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";

export interface ByteSourceOptions {
  readonly gzipped: boolean;
  /** Raw bytes read from disk (compressed, for `.gz`), for progress. */
  readonly onBytes?: (bytes: number) => void;
  readonly signal?: AbortSignal;
  readonly stdin?: Readable;
  readonly readBytes?: number;
}

/** Why a source ended early: a read or gunzip error, kept so the caller can quarantine it with its place. */
export class SourceFailure extends Error {
  override readonly name = "SourceFailure";
}

/** Reading stopped because the replay was stopped (Ctrl-C): the cutter drops its partial tail. */
export class SourceAborted extends Error {
  override readonly name = "SourceAborted";
}

/** Yields the (decompressed) chunks; throws SourceFailure on a read or gunzip error, SourceAborted when stopped. */
export async function* readBytes(path: string, options: ByteSourceOptions): AsyncGenerator<Buffer> {
  const raw: Readable = path === "-" ? (options.stdin ?? process.stdin) : createReadStream(path, { highWaterMark: options.readBytes ?? 1 << 20 });
  if (options.signal) addAbortSignal(options.signal, raw);
  const onBytes = options.onBytes;
  const stages: Readable[] = [raw];
  if (onBytes) {
    stages.push(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          onBytes(chunk.length);
          done(null, chunk);
        },
      }),
    );
  }
  if (options.gzipped) stages.push(createGunzip({ chunkSize: 1 << 20 }));
  const output: Readable = stages.length === 1 ? raw : (pipeline(stages, () => undefined) as unknown as Readable);
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (error) {
    if (options.signal?.aborted) throw new SourceAborted("stopped");
    throw new SourceFailure(error instanceof Error ? error.message : String(error));
  } finally {
    if (!raw.destroyed && raw !== process.stdin) raw.destroy();
  }
}
