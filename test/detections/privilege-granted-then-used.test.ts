import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./privilege-granted-then-used.fixtures.js";

describe("privilege-granted-then-used", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("privilege-granted-then-used", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("privilege-granted-then-used", fixture));
});
