import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./attack-tool-user-agent.fixtures.js";

describe("attack-tool-user-agent", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("attack-tool-user-agent", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("attack-tool-user-agent", fixture));
});
