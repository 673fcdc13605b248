import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./configmap-credentials.fixtures.js";

describe("configmap-credentials", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("configmap-credentials", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("configmap-credentials", fixture));
});
