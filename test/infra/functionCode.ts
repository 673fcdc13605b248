/**
 * What the Function app's code uses, read from its source: every file reachable from functions/index.ts by
 * runtime imports (static, re-exports and dynamic `import()`), the packages they import, the triggers they
 * register (`app.eventHub(`, `app.timer(` …), and the app settings the host resolves for them (`%NAME%`
 * placeholders, `connection` prefixes). Import specifiers and registration calls only: the code itself
 * may change freely.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./bicep.js";

export interface FunctionCode {
  /** Source files, relative to the repo root. */
  readonly files: readonly string[];
  /** Bare import specifiers reduced to package names (`@azure/data-tables`), from runtime imports only. */
  readonly packages: ReadonlySet<string>;
  /** Trigger kinds registered with `app.<kind>(`. */
  readonly triggers: ReadonlySet<string>;
  /** `%NAME%` settings and `connection: "Prefix"` values in registrations. */
  readonly placeholderSettings: ReadonlySet<string>;
  readonly connections: ReadonlySet<string>;
}

const STATIC_IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s*)?["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
const REGISTRATION = /\bapp\.(\w+)\(/g;
const PLACEHOLDER = /["'`]%([A-Za-z_][A-Za-z0-9_]*)%["'`]/g;
const CONNECTION = /\bconnection\s*:\s*["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]/g;

export function functionCode(entry = "functions/index.ts"): FunctionCode {
  const files: string[] = [];
  const packages = new Set<string>();
  const triggers = new Set<string>();
  const placeholderSettings = new Set<string>();
  const connections = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(relative(ROOT, file));
    const text = readFileSync(file, "utf8");
    const specifiers = [
      ...[...text.matchAll(STATIC_IMPORT)].filter((m) => m[2] === undefined).map((m) => m[3] as string),
      ...[...text.matchAll(DYNAMIC_IMPORT)].map((m) => m[1] as string),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) pending.push(sourceFile(file, specifier));
      else packages.add(packageName(specifier));
    }
    for (const m of text.matchAll(REGISTRATION)) triggers.add(m[1] as string);
    for (const m of text.matchAll(PLACEHOLDER)) placeholderSettings.add(m[1] as string);
    for (const m of text.matchAll(CONNECTION)) connections.add(m[1] as string);
  }
  return { files: files.sort(), packages, triggers, placeholderSettings, connections };
}

/** `./x.js` written in TypeScript source means `./x.ts` (or a directory's index). */
function sourceFile(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, join(base, "index.ts")];
  const found = candidates.find((c) => existsSync(c) && c.endsWith(".ts"));
  if (found === undefined) throw new Error(`${relative(ROOT, from)} imports ${specifier}, which resolves to no .ts file`);
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}
