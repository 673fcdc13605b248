import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./credential-minting.fixtures.js";

describe("credential-minting", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("credential-minting", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("credential-minting", fixture));
});
