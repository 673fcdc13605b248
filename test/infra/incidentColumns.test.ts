import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_STREAM } from "../../functions/settings.js";
import { IncidentRowSchema } from "../../pipeline/incidents/incidentRow.js";
import { INCIDENT_COLUMNS_FILE, incidentColumns, incidentColumnsFile } from "../../scripts/generateIncidentColumns.js";
import { type BicepFile, bicepFiles, declaration, property, ROOT, stringLiteral } from "./bicep.js";

const files = bicepFiles();
const generated = JSON.parse(readFileSync(INCIDENT_COLUMNS_FILE, "utf8")) as { tableName: string; streamName: string };

/** The variable a module binds the generated file to (`var x = loadJsonContent('…/incidentColumns.json')`). */
function generatedColumnsVariable(file: BicepFile): string {
  const loads = file.declarations.filter((d) => d.keyword === "var" && d.body.startsWith("loadJsonContent("));
  const match = loads.map((d) => ({ d, path: /^loadJsonContent\('([^']+)'\)$/.exec(d.body)?.[1] })).find((l) => l.path !== undefined);
  expect(match, `${file.name} reads no column file with loadJsonContent`).toBeDefined();
  const path = resolve(dirname(file.path), match?.path ?? "");
  expect(path, `${file.name} loads ${match?.path}, not the generated column file`).toBe(INCIDENT_COLUMNS_FILE);
  return match?.d.name ?? "";
}

describe("incident columns", () => {
  it("the generated file is what the incident row schema gives", () => {
    const onDisk = readFileSync(INCIDENT_COLUMNS_FILE, "utf8");
    expect(onDisk === incidentColumnsFile(), `${relative(ROOT, INCIDENT_COLUMNS_FILE)} is stale: run \`npx tsx scripts/generateIncidentColumns.ts\``).toBe(
      true,
    );
  });

  it("maps every schema field, in order, to its Log Analytics type", () => {
    const columns = incidentColumns();
    expect(columns.map((c) => c.name)).toEqual(Object.keys(IncidentRowSchema.shape));
    const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      TimeGenerated: "datetime",
      IncidentId: "string",
      Revision: "int",
      Severity: "string",
      ActorType: "string",
      Tactics: "dynamic",
      SourceIps: "dynamic",
      FirstSeen: "datetime",
      EventCount: "int",
      Evidence: "dynamic",
    });
    expect(columns.find((c) => c.name === "IncidentId")?.description).toMatch(/deterministic/);
    expect(generated).toMatchObject({ tableName: "KubetrailIncidents_CL", streamName: DEFAULT_STREAM });
  });

  it("the table's columns come from the generated file, on the Analytics plan", () => {
    const file = files.get("modules/incidentTable.bicep") as BicepFile;
    const columns = generatedColumnsVariable(file);
    const table = declaration(file, "resource", "table");
    expect(table.target).toBe("Microsoft.OperationalInsights/workspaces/tables");
    expect(table.body.includes(`name: ${columns}.tableName`)).toBe(true);
    const properties = property(table.body, "properties") ?? "";
    expect(stringLiteral(property(properties, "plan"))).toBe("Analytics");
    expect(property(property(properties, "schema") ?? "", "columns")).toBe(`${columns}.tableColumns`);
  });

  it("the DCR is kind Direct and its stream declaration comes from the generated file", () => {
    const file = files.get("modules/monitoring.bicep") as BicepFile;
    const columns = generatedColumnsVariable(file);
    const dcr = declaration(file, "resource", "dataCollectionRule");
    expect(dcr.target).toBe("Microsoft.Insights/dataCollectionRules");
    expect(stringLiteral(property(dcr.body, "kind"))).toBe("Direct");
    const properties = property(dcr.body, "properties") ?? "";
    const declarations = property(properties, "streamDeclarations") ?? "";
    expect(declarations).toMatch(new RegExp(`'\\$\\{${columns}\\.streamName\\}'\\s*:\\s*\\{\\s*columns:\\s*${columns}\\.streamColumns\\s*\\}`));
    const flow = property(properties, "dataFlows") ?? "";
    expect(property(flow, "streams")).toBe(`[${columns}.streamName]`);
    expect(stringLiteral(property(flow, "transformKql"))).toBe("source");
    // 'Custom-${columns.tableName}' with the file's table name is the stream the Function sends to.
    expect(property(flow, "outputStream")).toBe(`'Custom-\${${columns}.tableName}'`);
    expect(`Custom-${generated.tableName}`).toBe(DEFAULT_STREAM);
  });

  it("no Bicep file declares incident columns by hand", () => {
    for (const file of files.values()) {
      expect(file.text, `${file.name} lists columns itself`).not.toMatch(/type:\s*'(datetime|dateTime|dynamic)'/);
    }
  });
});
