/**
 * Reads replay inputs: files, directories (recursively, in name order), `-` for stdin, `.gz` transparently.
 * A file is read line by line (JSON lines: Event Hub messages, archive records, audit.log events) unless
 * its first line is not JSON on its own, in which case the whole file is one JSON document (pretty-printed
 * messages, EventLists, Log Analytics exports). If that document does not parse either, it falls back to
 * lines, so one bad line costs one quarantined line, never the file.
 */
import { createReadStream, type ReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { InputMessage } from "../pipeline.js";

export class InputError extends Error {
  override readonly name = "InputError";
}

export interface InputFile {
  readonly path: string;
  /** Size on disk (compressed for `.gz`); 0 for stdin. */
  readonly size: number;
}

/** Expands paths to the files to read, failing early with the path that does not exist. */
export async function expandInputs(paths: readonly string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const path of paths) {
    if (path === "-") {
      files.push({ path, size: 0 });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      throw new InputError(`${path}: cannot read input (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (info.isDirectory()) files.push(...(await walk(path)));
    else files.push({ path, size: info.size });
  }
  return files;
}

/** Files a directory walk reads: JSON, JSON lines and audit logs, rotated (`.1`) or gzipped. Named files are always read. */
const LOG_FILE = /^[^.].*\.(json|jsonl|ndjson|log)(\.\d+)?(\.gz)?$/;

async function walk(dir: string): Promise<InputFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: InputFile[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile() && LOG_FILE.test(entry.name)) files.push({ path, size: (await stat(path)).size });
  }
  return files;
}

export interface ReadOptions {
  /** Called with the number of raw bytes read from disk, for progress. */
  readonly onBytes?: (bytes: number) => void;
  readonly stdin?: Readable;
}

/** Yields the messages of one input file, each with its file and line. */
export async function* readMessages(file: InputFile, options: ReadOptions = {}): AsyncGenerator<InputMessage> {
  const source = file.path;
  let raw: Readable | ReadStream;
  if (source === "-") raw = options.stdin ?? process.stdin;
  else raw = createReadStream(source, { highWaterMark: 1 << 20 });
  if (options.onBytes) {
    const onBytes = options.onBytes;
    raw.on("data", (chunk: Buffer | string) => onBytes(chunk.length));
  }
  const text = source.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  const failure = new Promise<never>((_, reject) => {
    const fail = (error: Error) => reject(new InputError(`${source}: ${error.message}`));
    raw.once("error", fail);
    if (text !== raw) text.once("error", fail);
  });
  failure.catch(() => undefined);
  const lines = createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  const next = () => Promise.race([lines.next(), failure]);

  let lineNo = 0;
  let first: { text: string; line: number } | undefined;
  for (let r = await next(); !r.done; r = await next()) {
    lineNo++;
    if (r.value.trim() !== "") {
      first = { text: r.value, line: lineNo };
      break;
    }
  }
  if (!first) return;
  if (isJsonLine(first.text)) {
    yield { body: first.text, location: { source, line: first.line } };
    for (let r = await next(); !r.done; r = await next()) {
      lineNo++;
      if (r.value.trim() !== "") yield { body: r.value, location: { source, line: lineNo } };
    }
    return;
  }
  // Not JSON line by line: read the rest and try the file as one document.
  const rest: string[] = [first.text];
  const firstLine = first.line;
  for (let r = await next(); !r.done; r = await next()) rest.push(r.value);
  const document = parseDocument(rest.join("\n"));
  if (document.ok) {
    yield { body: document.value, location: { source, line: firstLine } };
    return;
  }
  for (let i = 0; i < rest.length; i++) {
    const line = rest[i] as string;
    if (line.trim() !== "") yield { body: line, location: { source, line: firstLine + i } };
  }
}

function isJsonLine(text: string): boolean {
  const trimmed = text.trim().replace(/^\uFEFF/, "");
  if (trimmed[0] !== "{" && trimmed[0] !== "[") return true; // not JSON at all: let the decoder quarantine it by line
  if (trimmed[0] === "[" && trimmed.length === 1) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

function parseDocument(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, "")) };
  } catch {
    return { ok: false };
  }
}
