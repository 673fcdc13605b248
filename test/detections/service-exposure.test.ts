import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./service-exposure.fixtures.js";

describe("service-exposure", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("service-exposure", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("service-exposure", fixture));
});
