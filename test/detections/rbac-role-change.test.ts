import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./rbac-role-change.fixtures.js";

describe("rbac-role-change", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("rbac-role-change", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("rbac-role-change", fixture));
});
