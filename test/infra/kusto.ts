/**
 * KQL checking with Microsoft's own parser and analyzer (Kusto.Language, npm @kusto/language-service-next):
 * a query is analyzed against a database whose tables we declare, so a misspelled or missing column is an
 * error exactly as Log Analytics would report it. The package is a Bridge.NET build that installs globals
 * (`Bridge`, `System`, `Kusto`); only the few members used here are typed.
 */
import { createRequire } from "node:module";

export interface KqlColumn {
  readonly name: string;
  readonly type: string;
}

export interface KqlDiagnostic {
  readonly severity: string;
  readonly code: string;
  readonly message: string;
  /** The text the diagnostic points at. */
  readonly at: string;
}

export interface KqlAnalysis {
  readonly errors: readonly KqlDiagnostic[];
  /** Columns of the query's result, when it is tabular. */
  readonly resultColumns: readonly string[];
}

interface BridgeList<T> {
  readonly Count: number;
  getItem(index: number): T;
}

interface KustoLanguage {
  readonly Symbols: {
    readonly TableSymbol: { readonly $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    readonly DatabaseSymbol: { readonly $ctor1: new (name: string, members: unknown[], isOpen: boolean) => unknown };
  };
  readonly GlobalState: { readonly Default: { WithDatabase(database: unknown): unknown } };
  readonly KustoCode: {
    ParseAndAnalyze(
      text: string,
      globals: unknown,
    ): {
      GetDiagnostics(): BridgeList<{ Severity: string; Code: string; Message: string; Start: number; Length: number }>;
      readonly ResultType: { readonly Columns?: BridgeList<{ readonly Name: string }> } | null;
    };
  };
}

let language: KustoLanguage | undefined;

function kusto(): KustoLanguage {
  if (language === undefined) {
    const require = createRequire(import.meta.url);
    require("@kusto/language-service-next/bridge.js");
    require("@kusto/language-service-next/Kusto.Language.Bridge.js");
    language = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  }
  return language;
}

/** Column types as a Kusto schema spells them (the Tables API's `dateTime`/`boolean` included). */
const SCHEMA_TYPES: Readonly<Record<string, string>> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  bool: "bool",
  boolean: "bool",
  datetime: "datetime",
  dateTime: "datetime",
  dynamic: "dynamic",
  guid: "guid",
};

/** Globals for analysis: one database holding the given tables. */
export function kqlDatabase(tables: Readonly<Record<string, readonly KqlColumn[]>>): unknown {
  const { Symbols, GlobalState } = kusto();
  const symbols = Object.entries(tables).map(([name, columns]) => {
    const schema = columns.map((c) => {
      const type = SCHEMA_TYPES[c.type];
      if (type === undefined) throw new Error(`table ${name}, column ${c.name}: unknown column type ${c.type}`);
      return `['${c.name}']:${type}`;
    });
    return new Symbols.TableSymbol.$ctor7(name, `(${schema.join(", ")})`, null);
  });
  return GlobalState.Default.WithDatabase(new Symbols.DatabaseSymbol.$ctor1("workspace", symbols, false));
}

export function analyzeKql(query: string, database: unknown): KqlAnalysis {
  const code = kusto().KustoCode.ParseAndAnalyze(query, database);
  const diagnostics = code.GetDiagnostics();
  const errors: KqlDiagnostic[] = [];
  for (let i = 0; i < diagnostics.Count; i++) {
    const d = diagnostics.getItem(i);
    if (d.Severity !== "Error") continue;
    errors.push({ severity: d.Severity, code: d.Code, message: d.Message, at: query.slice(d.Start, d.Start + Math.max(d.Length, 1)) });
  }
  const resultColumns: string[] = [];
  const columns = code.ResultType?.Columns;
  if (columns !== undefined) for (let i = 0; i < columns.Count; i++) resultColumns.push(columns.getItem(i).Name);
  return { errors, resultColumns };
}
