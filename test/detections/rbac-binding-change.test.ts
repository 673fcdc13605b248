import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./rbac-binding-change.fixtures.js";

describe("rbac-binding-change", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("rbac-binding-change", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("rbac-binding-change", fixture));
});
