import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./object-lifecycle.fixtures.js";

describe("object-lifecycle", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("object-lifecycle", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("object-lifecycle", fixture));
});
