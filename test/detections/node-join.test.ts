import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./node-join.fixtures.js";

describe("node-join", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("node-join", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("node-join", fixture));
});
