import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./api-tunnel.fixtures.js";

describe("api-tunnel", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("api-tunnel", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("api-tunnel", fixture));
});
