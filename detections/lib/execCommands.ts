/**
 * What a command run in a container reaches for, read from the text of the command alone (the exec
 * `command=` parameters, or a debug container's command and args): a shell or attack tool, credential
 * files, the cloud instance-metadata service, a reverse shell, a download, or `kubectl cp`'s tar stream.
 * Patterns follow Elastic's pod-exec rules (rows 29–34 of the catalogue). Pure functions.
 */
import type { AuditEvent } from "../../pipeline/normalize/auditEvent.js";
import { asString, field, queryParams } from "./k8s.js";

export const EXEC_VARIANTS = ["shellOrTool", "credentialAccess", "instanceMetadata", "reverseShell", "download", "copyOut", "copyIn"] as const;
export type ExecVariant = (typeof EXEC_VARIANTS)[number];

/** The lists a user can tune (pod-exec settings). */
export interface CommandRules {
  readonly shells: readonly string[];
  readonly tools: readonly string[];
  /** Substrings of credential paths; `*` matches within one path segment (`/proc/*\/environ`). */
  readonly credentialPaths: readonly string[];
  /** File extensions of keys and keystores (`.pem`, `.key`), matched at the end of a word. */
  readonly credentialFileExtensions: readonly string[];
  readonly metadataEndpoints: readonly string[];
  /** A download whose command contains one of these is routine (health checks, JWKS, the API server). */
  readonly downloadExclusions: readonly string[];
}

// Elastic's "Pod Exec Potential Reverse Shell" idioms; local health checks on /dev/tcp are removed first.
const REVERSE_SHELL =
  /\/dev\/tcp\/|\/dev\/udp\/|zsh\/net\/(tcp|udp)|\b(nc|ncat|netcat)\s+(\S+\s+)*-e\b|\bnc\s.*\s-c\s|\bmkfifo\b|\bsocat\s.*\b(exec|pty)|\bbash\s+-i\s+>&|0>&1|>&\s*\/dev\/tcp|import\s+socket.*connect|import\s+pty.*spawn|socket\.socket.*connect|IO::Socket::INET|fsockopen|TCPSocket\.new|\/inet\/tcp\//;
const LOCAL_HEALTH_CHECK = /\/dev\/tcp\/(localhost|127\.0\.0\.1)\/(8080|8443|9090|3000|5000|8888|80|443)\b/g;
const URL = /\bhttps?:\/\//i;
const TAR_STREAM = /(?:^|[\s;|&(])(?:\S*\/)?tar\s+(-?[A-Za-z]+)\s+-(?=\s|$)/;
const SEPARATORS = /;|\|\||&&|\||&|`|\$\(|\(|\)|\n/;
/** Words that run the next word as the program. */
const PREFIXES = new Set(["sudo", "exec", "env", "nohup", "command", "time", "busybox"]);

/** The variants a command shows, in EXEC_VARIANTS order. */
export function classifyCommand(command: string, rules: CommandRules): ExecVariant[] {
  if (command.trim() === "") return [];
  const programs = programsOf(command);
  const found = new Set<ExecVariant>();
  if (programs.some((p) => matchesProgram(p, rules.shells) || matchesProgram(p, rules.tools))) found.add("shellOrTool");
  if (credentialPattern(rules).test(command)) found.add("credentialAccess");
  const metadata = rules.metadataEndpoints.some((endpoint) => command.includes(endpoint));
  if (metadata) found.add("instanceMetadata");
  if (REVERSE_SHELL.test(command.replace(LOCAL_HEALTH_CHECK, ""))) found.add("reverseShell");
  const fetcher = programs.some((p) => p === "curl" || p === "wget");
  if (fetcher && !metadata && URL.test(command) && !rules.downloadExclusions.some((e) => command.includes(e))) found.add("download");
  const tar = TAR_STREAM.exec(command)?.[1]?.replace(/^-/, "") ?? "";
  if (tar.includes("f") && tar.includes("c")) found.add("copyOut");
  else if (tar.includes("f") && tar.includes("x")) found.add("copyIn");
  return EXEC_VARIANTS.filter((v) => found.has(v));
}

/** Whether the command's program is one of these shells (`/bin/bash -il` is bash). */
export function startsWithShell(command: string, shells: readonly string[]): boolean {
  const first = programsOf(command)[0];
  return first !== undefined && matchesProgram(first, shells);
}

/**
 * The programs a command line runs, by basename: the first word of each `;`, `|`, `&&`, `$(…)` segment,
 * past `sudo`/`env`/`FOO=bar`, and the command of `sh -c '…'` recursively.
 */
export function programsOf(command: string, depth = 0): string[] {
  const out: string[] = [];
  for (const segment of command.split(SEPARATORS)) {
    const words = segment
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/^['"]+|['"]+$/g, ""))
      .filter((w) => w !== "");
    let i = 0;
    while (i < words.length && (PREFIXES.has(basename(words[i] as string)) || /^\w+=/.test(words[i] as string))) {
      if (basename(words[i] as string) === "busybox") out.push("busybox");
      i++;
    }
    const word = words[i];
    if (word === undefined) continue;
    const program = basename(word);
    out.push(program);
    const next = words[i + 1] ?? "";
    if (depth < 3 && /^-[a-z]*c$/.test(next)) out.push(...programsOf(words.slice(i + 2).join(" "), depth + 1));
  }
  return out;
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1);
}

/** `python3.11` is python; `bash` is bash; `bashful` is not. */
function matchesProgram(program: string, names: readonly string[]): boolean {
  return names.some((name) => program === name || (program.startsWith(name) && /^[\d.]+$/.test(program.slice(name.length))));
}

const compiled = new WeakMap<CommandRules, RegExp>();

function credentialPattern(rules: CommandRules): RegExp {
  let re = compiled.get(rules);
  if (re === undefined) {
    const paths = rules.credentialPaths.map((p) => p.split("*").map(escapeRegExp).join("[^\\s/]*"));
    const extensions = rules.credentialFileExtensions.map((e) => `${escapeRegExp(e)}(?![\\w.])`);
    const alternatives = [...paths, ...extensions];
    re = alternatives.length ? new RegExp(alternatives.join("|")) : /$^/;
    compiled.set(rules, re);
  }
  return re;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const SECRET_NAME = "(?:password|passwd|pwd|token|secret|api[-_]?key|access[-_]?key|client[-_]?secret)";
const VALUE = "[^\\s&'\"]+";

/** Credentials as they appear in command lines, each with what replaces it. */
const CREDENTIALS_IN_TEXT: ReadonlyArray<readonly [RegExp, string]> = [
  [/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g, "<redacted-jwt>"],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, "$1 <redacted>"],
  // `password=…`, `--token=…`, `PGPASSWORD=…`, `AWS_SECRET_ACCESS_KEY=…`: no word boundary before the name.
  [new RegExp(`(${SECRET_NAME}[\\w-]*)([=:]\\s*)${VALUE}`, "gi"), "$1$2<redacted>"],
  // `--token abc`, `--password abc`, `--client-secret abc`
  [new RegExp(`(--?${SECRET_NAME}[\\w-]*\\s+)${VALUE}`, "gi"), "$1<redacted>"],
  // `curl -u user:pass`, `--user user:pass`
  [/(\s(?:-u|--user)\s+[^:\s'"]+:)[^\s'"]+/g, "$1<redacted>"],
  // `mysql -pS3cret`
  [/(\bmysql\b[^|;&]*?\s-p)[^\s'"]+/g, "$1<redacted>"],
  // `https://user:pass@host`
  [/(\/\/[^/\s@:'"]+:)[^@\s/'"]+@/g, "$1<redacted>@"],
];

/**
 * A command as evidence may show it: bearer tokens, JWTs, `password=…`-style values and flags, basic-auth
 * users, `mysql -p…` and URL user-info masked.
 */
export function redactCommand(command: string): string {
  return CREDENTIALS_IN_TEXT.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), command);
}

/**
 * The command of an exec request as it was run: the URI's `command=` parameters, as the API server logs
 * every exec, else a PodExecOptions body's `command` (some exporters and hand-written events carry only
 * that). Classify this; show `execCommandOf`.
 */
export function rawExecCommandOf(event: AuditEvent): string {
  const fromUri = queryParams(event.requestUri, "command");
  if (fromUri.length) return fromUri.join(" ");
  const body = field(event.requestObject, "command");
  return Array.isArray(body) ? body.map(asString).join(" ") : asString(body);
}

/** The command of an exec request, redacted for evidence and titles. */
export function execCommandOf(event: AuditEvent): string {
  return redactCommand(rawExecCommandOf(event));
}
