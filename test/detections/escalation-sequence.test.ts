import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./escalation-sequence.fixtures.js";

describe("escalation-sequence", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("escalation-sequence", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("escalation-sequence", fixture));
});
