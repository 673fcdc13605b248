/** Allowlist patterns: exact strings, or `*` for any run of characters. Compiled once per list. */
export type Matcher = (value: string) => boolean;

const cache = new WeakMap<readonly string[], Matcher>();

export function matcherFor(patterns: readonly string[]): Matcher {
  let matcher = cache.get(patterns);
  if (matcher === undefined) {
    matcher = compile(patterns);
    cache.set(patterns, matcher);
  }
  return matcher;
}

function compile(patterns: readonly string[]): Matcher {
  if (patterns.length === 0) return () => false;
  const exact = new Set(patterns.filter((p) => !p.includes("*")));
  const globs = patterns.filter((p) => p.includes("*")).map((p) => new RegExp(`^${p.split("*").map(escapeRegExp).join(".*")}$`, "s"));
  if (globs.length === 0) return (value) => exact.has(value);
  return (value) => exact.has(value) || globs.some((re) => re.test(value));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
