import { describe, expect, test } from "vitest";
import { comparable, runEvents } from "../support/harness.js";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./first-seen-access.fixtures.js";

describe("first-seen-access", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("first-seen-access", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("first-seen-access", fixture));

  // The baseline lives in memory between batches: one event per batch must give the same incidents as one batch.
  test.each(positive.map((f) => [f.name, f] as const))("one event per batch gives the same incidents: %s", async (_, fixture) => {
    const ofThis = (rows: Awaited<ReturnType<typeof runEvents>>["rows"]) => comparable(rows.filter((r) => r.DetectionId === "first-seen-access"));
    const whole = await runEvents(fixture.events, { config: fixture.config });
    const single = await runEvents(fixture.events, { config: fixture.config, perMessage: 1 });
    expect(ofThis(whole.rows).length).toBeGreaterThan(0);
    expect(ofThis(single.rows)).toEqual(ofThis(whole.rows));
  });
});
