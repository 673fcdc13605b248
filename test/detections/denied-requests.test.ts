import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./denied-requests.fixtures.js";

describe("denied-requests", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("denied-requests", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("denied-requests", fixture));
});
