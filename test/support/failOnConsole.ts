// Application code reports through return values and injected loggers; a stray console call in a test run is a bug.
import { afterEach, beforeEach, vi } from "vitest";

const methods = ["log", "info", "warn", "error", "debug"] as const;

beforeEach(() => {
  for (const method of methods) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      throw new Error(`unexpected console.${method} call: ${args.map(String).join(" ").slice(0, 300)}`);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});
