/** Positive and negative cases for one detection, run through the whole pipeline by runFixture. */
import { expect } from "vitest";
import type { EventSpec } from "../../scripts/synthetic/auditRecords.js";
import { runEvents } from "../support/harness.js";

export interface ExpectedIncident {
  readonly severity: "Informational" | "Low" | "Medium" | "High";
  readonly actor?: string;
  readonly eventCount?: number;
  readonly titleIncludes?: readonly string[];
  readonly evidence?: Readonly<Record<string, unknown>>;
  readonly targets?: readonly string[];
  /** The Techniques column exactly, for detections that narrow MITRE to the variants that fired. */
  readonly techniques?: readonly string[];
}

export interface DetectionFixture {
  readonly name: string;
  readonly events: readonly EventSpec[];
  /** The incidents of this detection the events must give, in any order; `[]` for a negative case. */
  readonly incidents: readonly ExpectedIncident[];
  /** The `detections` section of a config, when the case is about settings. */
  readonly config?: Record<string, unknown>;
}

export const T0 = Date.parse("2026-11-20T10:00:00Z");
let counter = 0;

/** An event spec with a fresh auditID; times are offsets in seconds from T0. */
export function ev(seconds: number, spec: Omit<EventSpec, "auditID" | "time"> & { auditID?: string }): EventSpec {
  counter++;
  return { auditID: `00000000-0000-4000-a000-${String(counter).padStart(12, "0")}`, time: T0 + seconds * 1000, ...spec };
}

export const user = (username: string, sourceIP = "198.51.100.7") => ({ username, groups: ["system:authenticated"], sourceIP });

export async function runFixture(detectionId: string, fixture: DetectionFixture): Promise<void> {
  const result = await runEvents(fixture.events, { config: fixture.config });
  expect(result.stats.quarantined).toBe(0);
  const incidents = result.incidents.filter((row) => row.DetectionId === detectionId);
  expect(incidents.map((i) => i.Severity).sort()).toEqual(fixture.incidents.map((i) => i.severity).sort());
  for (const expected of fixture.incidents) {
    const match = incidents.find(
      (row) =>
        row.Severity === expected.severity &&
        (expected.actor === undefined || row.Actor === expected.actor) &&
        (expected.eventCount === undefined || row.EventCount === expected.eventCount) &&
        (expected.titleIncludes ?? []).every((text) => row.Title.includes(text)) &&
        (expected.targets === undefined || expected.targets.every((t) => row.Targets.includes(t))) &&
        (expected.techniques === undefined || JSON.stringify(row.Techniques) === JSON.stringify(expected.techniques)),
    );
    expect(
      match,
      `no ${detectionId} incident like ${JSON.stringify(expected)} in ${JSON.stringify(incidents.map((i) => [i.Severity, i.Actor, i.EventCount, i.Title]))}`,
    ).toBeDefined();
    if (match && expected.evidence) expect(match.Evidence).toMatchObject(expected.evidence);
  }
}
