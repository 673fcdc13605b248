import { describe, test } from "vitest";
import { negative, positive } from "./anonymous-access.fixtures.js";
import { runFixture } from "./fixture.js";

describe("anonymous-access", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("anonymous-access", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("anonymous-access", fixture));
});
