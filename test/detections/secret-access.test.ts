import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./secret-access.fixtures.js";

describe("secret-access", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("secret-access", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("secret-access", fixture));
});
