import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./pod-exec.fixtures.js";

describe("pod-exec", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("pod-exec", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("pod-exec", fixture));
});
