import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { CATALOGUE_ROWS, SKIPPED_ROWS } from "../../detections/catalogue.js";
import { allDetections } from "../../detections/index.js";
import { DETECTIONS_DOC_FILE, detectionsDoc, detectionTable, README_FILE, readmeWithTable } from "../../scripts/generateDetectionDocs.js";

describe("the detection catalogue", () => {
  test("every research row 1–68 is covered by exactly one detection or skipped with a reason", () => {
    const owners = new Map<number, string[]>();
    for (const d of allDetections) for (const row of d.catalogueRows) owners.set(row, [...(owners.get(row) ?? []), d.id]);
    const problems: string[] = [];
    for (const row of Object.keys(CATALOGUE_ROWS).map(Number)) {
      const by = owners.get(row) ?? [];
      const skipped = SKIPPED_ROWS[row];
      if (by.length > 1) problems.push(`row ${row} claimed by ${by.join(" and ")}`);
      if (by.length === 0 && !skipped) problems.push(`row ${row} (${CATALOGUE_ROWS[row]?.behaviour}) neither covered nor skipped`);
      if (by.length > 0 && skipped) problems.push(`row ${row} both covered by ${by.join(", ")} and skipped`);
    }
    for (const row of owners.keys()) if (!CATALOGUE_ROWS[row]) problems.push(`row ${row} is not in the catalogue`);
    for (const [row, why] of Object.entries(SKIPPED_ROWS)) if (why.length < 20) problems.push(`row ${row}: the reason for skipping says too little`);
    expect(problems).toEqual([]);
  });

  test("detection ids are unique", () => {
    const ids = allDetections.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("the README's detection table is generated from the code (run `npm run generate`)", () => {
    const readme = readFileSync(README_FILE, "utf8");
    expect(readme).toContain(detectionTable());
    expect(readmeWithTable(readme)).toBe(readme);
  });

  test("docs/detections.md is generated from the code (run `npm run generate`)", () => {
    expect(readFileSync(DETECTIONS_DOC_FILE, "utf8")).toBe(detectionsDoc());
  });

  test("the table names each detection's peers, severities, techniques and status", () => {
    const row = detectionTable()
      .split("\n")
      .find((line) => line.includes("[`pod-exec`]"));
    expect(row).toBe(
      "| [`pod-exec`](docs/detections.md#pod-exec) | Exec, attach or debug container in a pod | High / Medium | " +
        `${allDetections.find((d) => d.id === "pod-exec")?.mitre.techniques.join(", ")} | Falco, Sigma, Elastic, Sentinel, Panther | stable |`,
    );
  });
});
