import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./rbac-self-review.fixtures.js";

describe("rbac-self-review", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("rbac-self-review", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("rbac-self-review", fixture));
});
