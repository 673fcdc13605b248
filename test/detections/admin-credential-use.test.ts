import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./admin-credential-use.fixtures.js";

describe("admin-credential-use", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("admin-credential-use", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("admin-credential-use", fixture));
});
