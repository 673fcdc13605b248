/**
 * Generates infra/generated/incidentColumns.json from the incident row schema (pipeline/incidents/incidentRow.ts),
 * the single source of the `KubetrailIncidents_CL` columns: the Log Analytics table's columns and the data
 * collection rule's stream declaration, which infra/modules/monitoring.bicep reads with loadJsonContent.
 * A test (test/infra/incidentColumns.test.ts) fails when the file and the schema differ.
 *
 *   npx tsx scripts/generateIncidentColumns.ts
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DEFAULT_STREAM } from "../functions/settings.js";
import { IncidentRowSchema } from "../pipeline/incidents/incidentRow.js";

/** Column types as KQL names them (and as DCR stream declarations spell them). */
export type ColumnType = "string" | "int" | "long" | "real" | "bool" | "datetime" | "dynamic";

export interface IncidentColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly description?: string;
}

export const INCIDENT_STREAM = DEFAULT_STREAM;
export const INCIDENT_TABLE = DEFAULT_STREAM.replace(/^Custom-/, "");
export const INCIDENT_COLUMNS_FILE = fileURLToPath(new URL("../infra/generated/incidentColumns.json", import.meta.url));

interface JsonSchemaProperty {
  readonly type?: string;
  readonly format?: string;
  readonly description?: string;
}

function columnType(name: string, property: JsonSchemaProperty): ColumnType {
  switch (property.type) {
    case "string":
      return property.format === "date-time" ? "datetime" : "string";
    case "integer":
      return "int";
    case "number":
      return "real";
    case "boolean":
      return "bool";
    case "array":
    case "object":
      return "dynamic";
    default:
      throw new Error(
        `incident column ${name}: no Log Analytics type for JSON Schema ${JSON.stringify(property)}; map it in scripts/generateIncidentColumns.ts`,
      );
  }
}

/** The incident table's columns, in schema order: string→string, int→int, ISO datetime→datetime, arrays/records→dynamic, enums→string. */
export function incidentColumns(): IncidentColumn[] {
  // JSON Schema is zod's public description of a schema; its shapes are stable across zod 4 releases.
  const schema = z.toJSONSchema(IncidentRowSchema) as { properties?: Record<string, JsonSchemaProperty> };
  const columns = Object.entries(schema.properties ?? {}).map(([name, property]): IncidentColumn => {
    const type = columnType(name, property);
    return property.description === undefined ? { name, type } : { name, type, description: property.description };
  });
  const time = columns.find((c) => c.name === "TimeGenerated");
  if (time?.type !== "datetime") throw new Error("the incident row needs a TimeGenerated datetime column: Log Analytics tables require it");
  return columns;
}

/** Log Analytics table column types are camel-cased where KQL's are not (`dateTime`, `boolean`). */
const TABLE_TYPES: Readonly<Record<ColumnType, string>> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  bool: "boolean",
  datetime: "dateTime",
  dynamic: "dynamic",
};

/** The file Bicep reads: table columns (Tables API types, with descriptions) and DCR stream columns (KQL types). */
export function incidentColumnsFile(): string {
  const columns = incidentColumns();
  const file = {
    $comment: "Generated from pipeline/incidents/incidentRow.ts by `npx tsx scripts/generateIncidentColumns.ts`. Do not edit.",
    tableName: INCIDENT_TABLE,
    streamName: INCIDENT_STREAM,
    tableColumns: columns.map((c) => ({ ...c, type: TABLE_TYPES[c.type] })),
    streamColumns: columns.map(({ name, type }) => ({ name, type })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(INCIDENT_COLUMNS_FILE, incidentColumnsFile());
  process.stderr.write(`wrote ${INCIDENT_COLUMNS_FILE}\n`);
}
