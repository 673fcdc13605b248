/**
 * Just enough Bicep reading for the infra tests (there is no Bicep compiler here): declarations (param, var,
 * resource, module, output) and the `{ … }` body of each, found by a scanner that knows Bicep strings (with
 * `${…}` interpolation) and comments, so braces and quotes inside them never confuse it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const INFRA = join(ROOT, "infra");

export interface Declaration {
  readonly keyword: "param" | "var" | "resource" | "module" | "output";
  readonly name: string;
  /** resource: the type before `@`; module: the path; param/output: the type. */
  readonly target: string;
  readonly apiVersion?: string;
  readonly existing: boolean;
  /** Text after `=` (resource, module, var, output, param default) up to the end of its expression. */
  readonly body: string;
}

export interface BicepFile {
  readonly path: string;
  /** Path from the repo root, for messages. */
  readonly name: string;
  readonly text: string;
  readonly declarations: readonly Declaration[];
}

/** Every .bicep file under infra/, by path relative to infra/ (`main.bicep`, `modules/roles.bicep`). */
export function bicepFiles(): Map<string, BicepFile> {
  const files = new Map<string, BicepFile>();
  for (const path of listFiles(INFRA, ".bicep")) files.set(relative(INFRA, path), parseBicep(path));
  return files;
}

export function listFiles(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path, extension);
    return entry.name.endsWith(extension) ? [path] : [];
  });
}

export function parseBicep(path: string): BicepFile {
  const text = readFileSync(path, "utf8");
  const code = blankCommentsAndStrings(text);
  const declarations: Declaration[] = [];
  const header = /^(param|var|resource|module|output)\s+(\w+)\s*(?:'([^']*)'|(\w+(?:\[\])?))?\s*(existing\s*)?(=)?/gm;
  for (const match of code.matchAll(header)) {
    const [whole, keyword, name] = match;
    if (keyword === undefined || name === undefined) continue;
    // Quoted targets were blanked in `code`; read them back from the original text at the same offsets.
    const start = match.index ?? 0;
    const original = text.slice(start, start + whole.length);
    const quoted = /'([^']*)'/.exec(original)?.[1];
    const target = quoted ?? match[4] ?? "";
    const [type, apiVersion] = keyword === "resource" ? target.split("@") : [target, undefined];
    const body = match[6] === undefined ? "" : text.slice(start + whole.length, expressionEnd(code, start + whole.length)).trim();
    declarations.push({
      keyword: keyword as Declaration["keyword"],
      name,
      target: type ?? "",
      existing: match[5] !== undefined,
      body,
      ...(apiVersion === undefined ? {} : { apiVersion }),
    });
  }
  return { path, name: relative(ROOT, path), text, declarations };
}

export function declaration(file: BicepFile, keyword: Declaration["keyword"], name: string): Declaration {
  const found = file.declarations.find((d) => d.keyword === keyword && d.name === name);
  if (found === undefined) throw new Error(`${file.name}: no ${keyword} named ${name}`);
  return found;
}

/** The value text of `key:` at the top level of an object body (`{ key: value … }`), or undefined. */
export function property(body: string, key: string): string | undefined {
  const code = blankCommentsAndStrings(body);
  const open = code.indexOf("{");
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") depth--;
    else if (depth === 1 && code.startsWith(key, i) && /[\s{,]/.test(code[i - 1] ?? " ") && /^\s*:/.test(code.slice(i + key.length))) {
      const valueStart = code.indexOf(":", i) + 1;
      return body.slice(valueStart, expressionEnd(code, valueStart)).trim();
    }
  }
  return undefined;
}

/** A Bicep string literal's value ('…' without interpolation), or undefined for any other expression. */
export function stringLiteral(expression: string | undefined): string | undefined {
  const match = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(expression?.trim() ?? "");
  return match?.[1]?.replace(/\\(.)/g, "$1");
}

/** Resolves a module's path from the file that declares it. */
export function modulePath(from: BicepFile, module: Declaration): string {
  const path = resolve(dirname(from.path), module.target);
  if (!existsSync(path)) throw new Error(`${from.name}: module ${module.name} points at ${module.target}, which does not exist`);
  return relative(INFRA, path);
}

/**
 * The same text with comments and the contents of string literals replaced by spaces (offsets unchanged), so
 * that brackets and keywords can be found by plain searching. Interpolations `${…}` inside strings stay code.
 */
export function blankCommentsAndStrings(text: string): string {
  const out = text.split("");
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  // Each entry: the brace depth at which an interpolation returns to its string.
  const interpolations: number[] = [];
  let depth = 0;
  let i = 0;
  const scanString = (): void => {
    // At text[i] === "'" (opening quote): blank the literal parts, stop at the closing quote or an interpolation.
    let j = i + 1;
    while (j < text.length) {
      const c = text[j];
      if (c === "\\") j += 2;
      else if (c === "'") {
        blank(i + 1, j);
        i = j + 1;
        return;
      } else if (c === "$" && text[j + 1] === "{") {
        blank(i + 1, j);
        interpolations.push(depth);
        depth++;
        i = j + 2;
        return;
      } else j++;
    }
    blank(i + 1, text.length);
    i = text.length;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      blank(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      blank(i, end < 0 ? text.length : end + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'") {
      scanString();
    } else if (c === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      depth--;
      if (interpolations.length > 0 && interpolations[interpolations.length - 1] === depth) {
        interpolations.pop();
        // Back inside the string: continue it from this brace, as if it were its opening quote.
        scanString();
      } else i++;
    } else i++;
  }
  return out.join("");
}

/** End offset of the expression starting at `start` in blanked code: the end of its line or bracketed block, or a comma. */
function expressionEnd(code: string, start: number): number {
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") {
      if (depth === 0) return i;
      depth--;
    } else if (c === "," && depth === 0) return i;
    else if (c === "\n" && depth === 0) {
      // A line ending inside a ternary or after an operator continues the expression.
      const before = code.slice(start, i).trimEnd();
      const after = code.slice(i + 1).trimStart();
      if (!(before === "" || /[?:=&|+\-*/]$/.test(before) || /^[?:&|]/.test(after))) return i;
    }
  }
  return code.length;
}
