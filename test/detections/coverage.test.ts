import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { allDetections } from "../../detections/index.js";
import type { DetectionFixture } from "./fixture.js";

describe("every detection", () => {
  test.each(allDetections.map((d) => [d.id] as const))("%s has positive and negative fixtures beside its test", async (id) => {
    const here = new URL(`./${id}.fixtures.ts`, import.meta.url);
    expect(existsSync(here), `test/detections/${id}.fixtures.ts`).toBe(true);
    expect(existsSync(new URL(`./${id}.test.ts`, import.meta.url)), `test/detections/${id}.test.ts`).toBe(true);
    const fixtures = (await import(here.href)) as { positive: DetectionFixture[]; negative: DetectionFixture[] };
    expect(fixtures.positive.filter((f) => f.incidents.length > 0).length).toBeGreaterThan(0);
    expect(fixtures.negative.length).toBeGreaterThan(0);
    expect(fixtures.negative.every((f) => f.incidents.length === 0)).toBe(true);
  });

  test.each(allDetections.map((d) => [d.id, d] as const))("%s has metadata and settings that parse with defaults", (_, detection) => {
    expect(detection.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(detection.title.length).toBeGreaterThan(5);
    expect(detection.description.length).toBeGreaterThan(40);
    expect(detection.mitre.tactics.length).toBeGreaterThan(0);
    for (const technique of detection.mitre.techniques) expect(technique).toMatch(/^T\d{4}(\.\d{3})?$/);
    expect(["experimental", "stable"]).toContain(detection.status);
    expect(detection.severityLogic).toMatch(/\b(High|Medium|Low|Informational)\b/);
    expect(detection.runbook.length).toBeGreaterThan(0);
    const defaults = detection.settings.parse({});
    // Off by default only when it needs something only the user has (their networks, say), and says so.
    if (!defaults.enabled) expect(detection.description).toMatch(/off by default/i);
    expect(defaults.windowMinutes).toBeGreaterThan(0);
  });
});
