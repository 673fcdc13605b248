import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./system-namespace-workload.fixtures.js";

describe("system-namespace-workload", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("system-namespace-workload", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("system-namespace-workload", fixture));
});
