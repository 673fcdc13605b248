import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./events-deleted.fixtures.js";

describe("events-deleted", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("events-deleted", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("events-deleted", fixture));
});
