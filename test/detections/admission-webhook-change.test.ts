import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./admission-webhook-change.fixtures.js";

describe("admission-webhook-change", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("admission-webhook-change", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("admission-webhook-change", fixture));
});
