/**
 * The azd template holds together (azure.yaml, main.bicep, main.parameters.json, modules) and keeps its secure
 * defaults; resource API versions are the ones checked against the published Bicep types.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type BicepFile, bicepFiles, declaration, modulePath, property, ROOT, stringLiteral } from "./bicep.js";

const files = bicepFiles();
const main = files.get("main.bicep") as BicepFile;
const file = (name: string) => files.get(name) as BicepFile;

// Checked against Azure/bicep-types-az generated/<provider>/<version>/types.md (see docs/deployment.md).
const API_VERSIONS: Readonly<Record<string, string>> = {
  "Microsoft.Resources/resourceGroups": "2024-03-01",
  "Microsoft.EventHub/namespaces": "2024-01-01",
  "Microsoft.EventHub/namespaces/eventhubs": "2024-01-01",
  "Microsoft.EventHub/namespaces/eventhubs/consumergroups": "2024-01-01",
  "Microsoft.EventHub/namespaces/authorizationRules": "2024-01-01",
  "Microsoft.Storage/storageAccounts": "2023-05-01",
  "Microsoft.Storage/storageAccounts/blobServices": "2023-05-01",
  "Microsoft.Storage/storageAccounts/blobServices/containers": "2023-05-01",
  "Microsoft.Web/serverfarms": "2024-04-01",
  "Microsoft.Web/sites": "2024-04-01",
  "Microsoft.Insights/components": "2020-02-02",
  "Microsoft.Insights/dataCollectionRules": "2023-03-11",
  "Microsoft.Insights/diagnosticSettings": "2021-05-01-preview",
  "Microsoft.OperationalInsights/workspaces": "2023-09-01",
  "Microsoft.OperationalInsights/workspaces/tables": "2023-09-01",
  "Microsoft.OperationalInsights/workspaces/savedSearches": "2023-09-01",
  "Microsoft.SecurityInsights/onboardingStates": "2025-09-01",
  "Microsoft.SecurityInsights/alertRules": "2025-09-01",
  "Microsoft.Authorization/roleAssignments": "2022-04-01",
  "Microsoft.ContainerService/managedClusters": "2024-09-01",
};

describe("azd template", () => {
  it("azure.yaml deploys a Function app service to the app tagged with its name", () => {
    const yaml = readFileSync(resolve(ROOT, "azure.yaml"), "utf8");
    const service = /^services:\s*\n(?:\s*#.*\n)*\s+(\w+):\s*\n((?:\s{4,}.*\n?)+)/m.exec(yaml);
    expect(service?.[2]).toMatch(/host:\s*function/);
    expect(service?.[2]).toMatch(/language:\s*(ts|js)/);
    expect(property(declaration(file("modules/functionapp.bicep"), "resource", "site").body, "tags")).toBe(
      `union(tags, { 'azd-service-name': '${service?.[1]}' })`,
    );
  });

  it("main.parameters.json sets only parameters main.bicep declares, and every one without a default", () => {
    const parameters = Object.keys((JSON.parse(readFileSync(resolve(ROOT, "infra/main.parameters.json"), "utf8")) as { parameters: object }).parameters);
    const params = main.declarations.filter((d) => d.keyword === "param");
    expect(parameters.filter((p) => !params.some((d) => d.name === p))).toEqual([]);
    expect(params.filter((d) => d.body === "" && !parameters.includes(d.name)).map((d) => d.name)).toEqual([]);
    expect(main.text).toMatch(/^targetScope = 'subscription'$/m);
  });

  it("every module exists and every resource uses a checked API version", () => {
    for (const [, f] of files) {
      for (const d of f.declarations) {
        if (d.keyword === "module") modulePath(f, d);
        if (d.keyword === "resource") expect(`${d.target}@${d.apiVersion}`, f.name).toBe(`${d.target}@${API_VERSIONS[d.target]}`);
      }
    }
  });
});

describe("secure defaults", () => {
  it("storage accepts Entra ID only", () => {
    const account = property(declaration(file("modules/storage.bicep"), "resource", "account").body, "properties") ?? "";
    expect(property(account, "allowSharedKeyAccess")).toBe("false");
    expect(property(account, "allowBlobPublicAccess")).toBe("false");
  });

  it("Event Hubs keeps local auth only for the diagnostic settings' namespace rule", () => {
    const eventHubs = file("modules/eventhubs.bicep");
    expect(property(property(declaration(eventHubs, "resource", "namespace").body, "properties") ?? "", "disableLocalAuth")).toBe("false");
    const rules = eventHubs.declarations.filter((d) => d.keyword === "resource" && d.target.endsWith("authorizationRules"));
    expect(rules.map((r) => r.target)).toEqual(["Microsoft.EventHub/namespaces/authorizationRules"]);
    expect(declaration(eventHubs, "output", "diagnosticsAuthorizationRuleId").body).toBe(`${rules[0]?.name}.id`);
    // Only the cluster diagnostic settings receive it.
    const users = [...files.values()].filter((f) => f.text.includes("diagnosticsAuthorizationRuleId") && f !== eventHubs).map((f) => f.name);
    expect(users).toEqual(["infra/main.bicep"]);
  });
});

describe("connecting AKS clusters", () => {
  const diagnostics = file("modules/aksDiagnostics.bicep");

  it("streams kube-audit by default, kube-audit-admin as the cheaper option", () => {
    const category = diagnostics.declarations.find((d) => d.keyword === "param" && d.name === "auditCategory");
    expect(stringLiteral(category?.body)).toBe("kube-audit");
    expect(diagnostics.text).toMatch(/@allowed\(\['kube-audit', 'kube-audit-admin'\]\)\s*\nparam auditCategory/);
    expect(diagnostics.text).toMatch(/kube-audit-admin: kube-audit without get and list/);
    const setting = declaration(diagnostics, "resource", "auditToEventHub");
    expect(property(setting.body, "scope")).toBe("cluster");
    expect(property(property(setting.body, "properties") ?? "", "logs")).toBe("[{ category: auditCategory, enabled: true }]");
  });

  it("connects any number of clusters by resource id, each in its own subscription and resource group", () => {
    const loop = declaration(main, "module", "clusterDiagnostics");
    expect(loop.body).toMatch(/^\[\s*for clusterId in clusterIds:/);
    expect(property(loop.body, "scope")).toBe("resourceGroup(split(clusterId, '/')[2], split(clusterId, '/')[4])");
    expect(property(property(loop.body, "params") ?? "", "clusterName")).toBe("last(split(clusterId, '/'))");
  });
});
