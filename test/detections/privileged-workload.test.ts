import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./privileged-workload.fixtures.js";

describe("privileged-workload", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("privileged-workload", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("privileged-workload", fixture));
});
