import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./api-discovery.fixtures.js";

describe("api-discovery", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("api-discovery", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("api-discovery", fixture));
});
