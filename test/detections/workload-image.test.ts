import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./workload-image.fixtures.js";

describe("workload-image", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("workload-image", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("workload-image", fixture));
});
