import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { AppSettingsSchema } from "../../functions/settings.js";
import { type BicepFile, bicepFiles, declaration, property, stringLiteral } from "./bicep.js";
import { functionCode } from "./functionCode.js";

const functionApp = bicepFiles().get("modules/functionapp.bicep") as BicepFile;
const siteBody = declaration(functionApp, "resource", "site").body;
const appSettings = property(property(property(siteBody, "properties") ?? "", "siteConfig") ?? "", "appSettings") ?? "";
/** Setting name → value expression, from `{ name: 'X', value: … }` entries. */
const bicepSettings = new Map([...appSettings.matchAll(/\{\s*name:\s*'([^']+)'\s*,\s*value:\s*([^}]+?)\s*\}/g)].map((m) => [m[1] as string, m[2] as string]));
const code = functionCode();

/** Settings the code cannot start without: no default, not optional. */
function requiredSettings(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name);
}

describe("Function app settings in Bicep", () => {
  it("reads the settings out of the Bicep", () => {
    expect(bicepSettings.size).toBeGreaterThan(5);
    expect(bicepSettings.get("EVENTHUB_NAME")).toBe("eventHubName");
  });

  it("sets every setting functions/settings.ts requires", () => {
    const required = requiredSettings(AppSettingsSchema);
    expect(required).toContain("KUBETRAIL_STATE");
    expect(required.filter((name) => !bicepSettings.has(name))).toEqual([]);
  });

  it("sets every setting the host resolves for the registered triggers", () => {
    expect(code.triggers.has("eventHub"), "no app.eventHub( registration found from functions/index.ts").toBe(true);
    expect(code.placeholderSettings.size).toBeGreaterThan(0);
    expect([...code.placeholderSettings].filter((name) => !bicepSettings.has(name))).toEqual([]);
    for (const connection of code.connections) {
      // Identity-based: the prefix with __fullyQualifiedNamespace, never a connection string under the bare name.
      expect(bicepSettings.has(`${connection}__fullyQualifiedNamespace`), `${connection}__fullyQualifiedNamespace is not set`).toBe(true);
      expect(bicepSettings.has(connection), `${connection} would be a connection string`).toBe(false);
    }
  });

  it("connects the host and telemetry by identity, with nothing secret in the settings", () => {
    expect(bicepSettings.has("AzureWebJobsStorage__accountName")).toBe(true);
    expect(bicepSettings.has("AzureWebJobsStorage")).toBe(false);
    expect(stringLiteral(bicepSettings.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"))).toBe("Authorization=AAD");
    expect(functionApp.text).not.toMatch(/listKeys\(|AccountKey=|SharedAccessKey=|InstrumentationKey=/);
    const appInsights = declaration(functionApp, "resource", "appInsights").body;
    expect(property(property(appInsights, "properties") ?? "", "DisableLocalAuth")).toBe("true");
  });

  it("runs on Flex Consumption, Node 22, with a system-assigned identity", () => {
    // Flex Consumption rejects the settings its functionAppConfig replaces.
    for (const name of ["FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_NODE_DEFAULT_VERSION"]) {
      expect(bicepSettings.has(name), name).toBe(false);
    }
    expect(declaration(functionApp, "resource", "plan").body).toMatch(/sku:\s*\{\s*name:\s*'FC1',\s*tier:\s*'FlexConsumption'\s*\}/);
    expect(property(siteBody, "identity")).toBe("{ type: 'SystemAssigned' }");
    const config = property(property(siteBody, "properties") ?? "", "functionAppConfig") ?? "";
    expect(property(config, "runtime")).toBe("{ name: 'node', version: '22' }");
    expect(config).toMatch(/authentication:\s*\{\s*type:\s*'SystemAssignedIdentity'\s*\}/);
  });

  it("points KUBETRAIL_STATE at the account's https Table endpoint, without a trailing slash", () => {
    expect(bicepSettings.get("KUBETRAIL_STATE")).toBe("tableEndpoint");
    const storage = bicepFiles().get("modules/storage.bicep") as BicepFile;
    expect(declaration(storage, "output", "tableEndpoint").body).toBe(`'https://\${account.name}.table.\${environment().suffixes.storage}'`);
  });
});
