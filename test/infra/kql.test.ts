/**
 * Every KQL query shipped (analytics rule, hunting pack, the DCR transformation) parses and names only real
 * columns of KubetrailIncidents_CL as generated from the incident schema, checked with Microsoft's Kusto
 * analyzer; the Sentinel rule's mappings name columns its query returns.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { allDetections } from "../../detections/index.js";
import { INCIDENT_COLUMNS_FILE } from "../../scripts/generateIncidentColumns.js";
import { type BicepFile, bicepFiles, declaration, INFRA, listFiles, property, ROOT, stringLiteral } from "./bicep.js";
import { analyzeKql, type KqlColumn, kqlDatabase } from "./kusto.js";

const generated = JSON.parse(readFileSync(INCIDENT_COLUMNS_FILE, "utf8")) as { tableName: string; streamColumns: KqlColumn[] };
const database = kqlDatabase({ [generated.tableName]: generated.streamColumns });
const kqlFiles = listFiles(resolve(INFRA, "kql"), ".kql").map((path) => relative(ROOT, path));
const files = bicepFiles();
const sentinel = files.get("modules/sentinel.bicep") as BicepFile;
const ruleProperties = property(declaration(sentinel, "resource", "incidentRule").body, "properties") ?? "";

/** `loadTextContent('…')` paths in every Bicep file, resolved from the repo root. */
const loadedKql = [...files.values()].flatMap((file) =>
  [...file.text.matchAll(/loadTextContent\('([^']+)'\)/g)].map((m) => relative(ROOT, resolve(dirname(file.path), m[1] as string))),
);

describe("KQL", () => {
  it("ships an analytics rule and a hunting pack", () => {
    expect(kqlFiles).toContain("infra/kql/rules/kubetrail-incidents.kql");
    expect(kqlFiles.filter((f) => f.startsWith("infra/kql/hunting/")).length).toBeGreaterThanOrEqual(5);
  });

  it.each(kqlFiles)("%s parses and names only real columns", (file) => {
    const query = readFileSync(resolve(ROOT, file), "utf8");
    expect(query).toContain(generated.tableName);
    expect(analyzeKql(query, database).errors).toEqual([]);
  });

  it("reports a query that names a missing column or table (the check can fail)", () => {
    const missingColumn = analyzeKql(`${generated.tableName} | summarize arg_max(Revision, *) by IncidentId | where ClusterNme == "x"`, database);
    expect(missingColumn.errors.map((e) => e.at)).toEqual(["ClusterNme"]);
    expect(analyzeKql("KubetrailIncident_CL | take 1", database).errors.map((e) => e.at)).toEqual(["KubetrailIncident_CL"]);
    expect(analyzeKql(`${generated.tableName} | where`, database).errors.length).toBeGreaterThan(0);
  });

  it("names only detection ids that exist", () => {
    const ids = new Set(allDetections.map((d) => d.id));
    for (const file of kqlFiles) {
      for (const m of readFileSync(resolve(ROOT, file), "utf8").matchAll(/DetectionId\s*==\s*"([^"]+)"/g)) {
        expect(ids.has(m[1] as string), `${file}: unknown detection ${m[1]}`).toBe(true);
      }
    }
  });

  it("the DCR transformation parses against the stream", () => {
    const transform = [...files.values()].flatMap((f) => [...f.text.matchAll(/transformKql:\s*('(?:[^'\\]|\\.)*')/g)].map((m) => stringLiteral(m[1])));
    expect(transform).toEqual(["source"]);
    expect(analyzeKql(transform[0] ?? "", kqlDatabase({ source: generated.streamColumns })).errors).toEqual([]);
  });

  it("Bicep embeds no KQL: queries come from the shipped files, and every one of them is deployed", () => {
    for (const file of files.values()) {
      for (const m of file.text.matchAll(/\bquery:\s*([^\n]+)/g)) {
        expect(m[1], `${file.name}: inline query`).toMatch(/^(loadTextContent\('[^']+\.kql'\)|q\.query)$/);
      }
    }
    for (const path of loadedKql) expect(existsSync(resolve(ROOT, path)), `${path} is loaded but missing`).toBe(true);
    expect(kqlFiles.filter((f) => !loadedKql.includes(f))).toEqual([]);
  });
});

describe("Sentinel analytics rule", () => {
  const query = readFileSync(resolve(ROOT, "infra/kql/rules/kubetrail-incidents.kql"), "utf8");
  const { resultColumns } = analyzeKql(query, database);

  it("keeps the latest revision of each incident", () => {
    expect(query).toMatch(/\|\s*summarize arg_max\(Revision, \*\) by IncidentId/);
  });

  it("maps entities, severity, tactics, custom details and grouping to columns the query returns", () => {
    const named = [
      ...[...(property(ruleProperties, "entityMappings") ?? "").matchAll(/columnName:\s*'(\w+)'/g)].map((m) => m[1]),
      ...[...(property(ruleProperties, "customDetails") ?? "").matchAll(/\w+:\s*'(\w+)'/g)].map((m) => m[1]),
      ...[...(property(ruleProperties, "alertDetailsOverride") ?? "").matchAll(/(?:ColumnName:|value:)\s*'(\w+)'|\{\{(\w+)\}\}/g)].map((m) => m[1] ?? m[2]),
    ];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((c) => !resultColumns.includes(c as string))).toEqual([]);
    const override = property(ruleProperties, "alertDetailsOverride") ?? "";
    expect(stringLiteral(property(override, "alertSeverityColumnName"))).toBe("Severity");
    const entities = property(ruleProperties, "entityMappings") ?? "";
    for (const [type, column] of [
      ["Account", "Actor"],
      ["IP", "SourceIp"],
      ["AzureResource", "ClusterResourceId"],
    ]) {
      expect(entities).toMatch(new RegExp(`entityType: '${type}', fieldMappings: \\[\\{ identifier: '\\w+', columnName: '${column}' \\}\\]`));
    }
  });

  it("groups the alerts of one IncidentId into one Sentinel incident", () => {
    const grouping = property(property(ruleProperties, "incidentConfiguration") ?? "", "groupingConfiguration") ?? "";
    expect(stringLiteral(property(grouping, "matchingMethod"))).toBe("Selected");
    expect(property(grouping, "groupByCustomDetails")).toBe("['IncidentId']");
    expect(stringLiteral(property(property(ruleProperties, "customDetails") ?? "", "IncidentId"))).toBe("IncidentId");
  });

  it("declares every MITRE tactic the detections report", () => {
    const tactics = property(ruleProperties, "tactics") ?? "";
    const missing = [...new Set(allDetections.flatMap((d) => d.mitre.tactics))].filter((t) => !tactics.includes(`'${t}'`));
    expect(missing).toEqual([]);
  });
});
