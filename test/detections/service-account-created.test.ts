import { describe, test } from "vitest";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./service-account-created.fixtures.js";

describe("service-account-created", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("service-account-created", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("service-account-created", fixture));
});
