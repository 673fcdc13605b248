import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./coredns-change.fixtures.js";

describe("coredns-change", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("coredns-change", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("coredns-change", fixture));
});
