import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./anonymous-access-then-write.fixtures.js";

describe("anonymous-access-then-write", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("anonymous-access-then-write", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("anonymous-access-then-write", fixture));
});
