import { describe, expect, test } from "vitest";
import { allDetections } from "../../detections/index.js";
import { resolveSettings } from "../../pipeline/config/settings.js";
import { runFixture } from "./fixture.js";
import { negative, positive } from "./untrusted-source.fixtures.js";

describe("untrusted-source", () => {
  test.each(positive.map((f) => [f.name, f] as const))("reports: %s", (_, fixture) => runFixture("untrusted-source", fixture));
  test.each(negative.map((f) => [f.name, f] as const))("does not report: %s", (_, fixture) => runFixture("untrusted-source", fixture));

  test("a network list entry that is not a CIDR fails config loading, naming the field and the entry", () => {
    const config = { detections: { "untrusted-source": { enabled: true, expectedNetworks: ["20.127.0.0/24", "20.127.0.0/33"] } } };
    expect(() => resolveSettings(allDetections, config)).toThrow(/detections\.untrusted-source\.expectedNetworks\.1: not a network .*20\.127\.0\.0\/33/);
  });
});
