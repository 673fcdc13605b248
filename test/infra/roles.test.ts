/**
 * Every Azure data-plane call the Function makes has a role assignment for the app's system-assigned identity,
 * on the one resource the call reaches, and nothing more. The needs are derived from the code: the Azure SDK
 * packages reachable from functions/index.ts, the triggers it registers, the required app settings and the
 * host's identity-based settings.
 */
import { describe, expect, it } from "vitest";
import { AppSettingsSchema } from "../../functions/settings.js";
import { type BicepFile, bicepFiles, type Declaration, declaration, modulePath, property, stringLiteral } from "./bicep.js";
import { functionCode } from "./functionCode.js";

// Built-in role definition ids (learn: role-based-access-control/built-in-roles).
const ROLE = {
  eventHubsDataReceiver: "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
} as const;
const PRIVILEGED = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
};

interface Need {
  readonly role: string;
  readonly scope: string;
  readonly why: string;
}

const tableWrites = (why: string): Need => ({ role: ROLE.storageTableDataContributor, scope: "Microsoft.Storage/storageAccounts", why });
const ingestion = (why: string): Need => ({ role: ROLE.monitoringMetricsPublisher, scope: "Microsoft.Insights/dataCollectionRules", why });
const hostBlobs = (why: string): Need => ({ role: ROLE.storageBlobDataOwner, scope: "Microsoft.Storage/storageAccounts", why });

/** Azure SDK packages: the data-plane access each implies. Packages without data-plane calls map to nothing. */
const PACKAGE_NEEDS: Readonly<Record<string, Need | null>> = {
  "@azure/data-tables": tableWrites("imports @azure/data-tables (state, outbox, quarantine tables)"),
  "@azure/monitor-ingestion": ingestion("imports @azure/monitor-ingestion (Logs Ingestion upload)"),
  "@azure/functions": null,
  "@azure/identity": null,
  "@azure/abort-controller": null,
  "@azure/logger": null,
};
const TRIGGER_NEEDS: Readonly<Record<string, Need | null>> = {
  eventHub: { role: ROLE.eventHubsDataReceiver, scope: "Microsoft.EventHub/namespaces/eventhubs", why: "registers app.eventHub(" },
  // Timers hold a singleton lock (a blob lease) in host storage.
  timer: hostBlobs("registers app.timer("),
  http: null,
};
/** Required app settings that name an Azure data-plane endpoint. */
const SETTING_NEEDS: Readonly<Record<string, Need>> = {
  KUBETRAIL_STATE: tableWrites("requires KUBETRAIL_STATE (a Table endpoint)"),
  KUBETRAIL_INGESTION_ENDPOINT: ingestion("requires KUBETRAIL_INGESTION_ENDPOINT"),
};
/** Identity-based host settings set in the Bicep. */
const HOST_SETTING_NEEDS: Readonly<Record<string, Need>> = {
  AzureWebJobsStorage__accountName: hostBlobs("host storage by identity (leases, checkpoints, Flex deployment package)"),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: {
    role: ROLE.monitoringMetricsPublisher,
    scope: "Microsoft.Insights/components",
    why: "Application Insights with Entra ID auth",
  },
};

const files = bicepFiles();

function derivedNeeds(): { needs: Need[]; unmapped: string[] } {
  const code = functionCode();
  const needs: Need[] = [];
  const unmapped: string[] = [];
  for (const name of code.packages) {
    if (!name.startsWith("@azure/") || name.startsWith("@azure/core-")) continue;
    const need = PACKAGE_NEEDS[name];
    if (need === undefined) unmapped.push(`package ${name}`);
    else if (need !== null) needs.push(need);
  }
  for (const trigger of code.triggers) {
    const need = TRIGGER_NEEDS[trigger];
    if (need === undefined) unmapped.push(`trigger app.${trigger}(`);
    else if (need !== null) needs.push(need);
  }
  for (const [name, field] of Object.entries(AppSettingsSchema.shape)) {
    const need = SETTING_NEEDS[name];
    if (need !== undefined && !field.safeParse(undefined).success) needs.push(need);
  }
  const functionApp = files.get("modules/functionapp.bicep") as BicepFile;
  for (const [setting, need] of Object.entries(HOST_SETTING_NEEDS)) if (functionApp.text.includes(`name: '${setting}'`)) needs.push(need);
  return { needs, unmapped };
}

interface Assignment {
  readonly where: string;
  readonly role: string;
  readonly scope: string;
  readonly principal: string;
  readonly principalType: string | undefined;
}

/** The identity a module parameter receives, followed through module calls to the resource that owns it. */
function principalOf(file: string, param: string): string {
  const callers = [...files.values()].flatMap((caller) =>
    caller.declarations.filter((d) => d.keyword === "module" && modulePath(caller, d) === file).map((call) => ({ caller, call })),
  );
  if (callers.length !== 1) return `${file} param ${param} (${callers.length} callers)`;
  const { caller, call } = callers[0] as { caller: BicepFile; call: Declaration };
  const value = property(property(call.body, "params") ?? "", param) ?? "";
  const output = /^(\w+)\.outputs\.(\w+)$/.exec(value);
  if (output === null) return `${caller.name}: ${value}`;
  const module = declaration(caller, "module", output[1] as string);
  const target = files.get(modulePath(caller, module)) as BicepFile;
  const expression = declaration(target, "output", output[2] as string).body;
  const identity = /^(\w+)\.identity\.principalId$/.exec(expression);
  if (identity === null) return `${target.name}: ${expression}`;
  const owner = declaration(target, "resource", identity[1] as string);
  const type = /type:\s*'(\w+)'/.exec(property(owner.body, "identity") ?? "")?.[1];
  return `${owner.target} ${type}`;
}

function assignments(): Assignment[] {
  const found: Assignment[] = [];
  for (const [path, file] of files) {
    for (const d of file.declarations.filter((x) => x.keyword === "resource" && x.target === "Microsoft.Authorization/roleAssignments")) {
      const where = `${file.name} ${d.name}`;
      const scopeSymbol = property(d.body, "scope") ?? "(deployment scope)";
      const scoped = file.declarations.find((x) => x.keyword === "resource" && x.name === scopeSymbol);
      const props = property(d.body, "properties") ?? "";
      const roleExpression = property(props, "roleDefinitionId") ?? "";
      const roleKey = /roles\.(\w+)/.exec(roleExpression)?.[1];
      const role =
        roleKey === undefined
          ? (/[0-9a-f-]{36}/.exec(roleExpression)?.[0] ?? roleExpression)
          : stringLiteral(property(declaration(file, "var", "roles").body, roleKey));
      const principalParam = property(props, "principalId") ?? "";
      const isParam = file.declarations.some((x) => x.keyword === "param" && x.name === principalParam);
      found.push({
        where,
        role: role ?? roleExpression,
        scope: scoped?.target ?? scopeSymbol,
        principal: isParam ? principalOf(path, principalParam) : principalParam,
        principalType: stringLiteral(property(props, "principalType")),
      });
    }
  }
  return found;
}

const FUNCTION_IDENTITY = "Microsoft.Web/sites SystemAssigned";

describe("role assignments", () => {
  const { needs, unmapped } = derivedNeeds();
  const granted = assignments();

  it("every Azure SDK package and trigger the Function reaches is mapped to its data-plane role", () => {
    expect(unmapped, "map these in test/infra/roles.test.ts (and grant the role in infra/modules/roles.bicep)").toEqual([]);
    expect(needs.map((n) => n.role)).toContain(ROLE.eventHubsDataReceiver);
  });

  it("grants every need to the Function app's system-assigned identity, on the resource it reaches", () => {
    const missing = needs.filter((need) => !granted.some((a) => a.role === need.role && a.scope === need.scope && a.principal === FUNCTION_IDENTITY));
    expect(
      missing.map((n) => `${n.why}: role ${n.role} on ${n.scope}`),
      "no matching role assignment",
    ).toEqual([]);
  });

  it("grants nothing else: no broad scope, no privileged role, service principal type", () => {
    for (const a of granted) {
      expect(a.scope, `${a.where}: scope must be a resource declared in the file`).toMatch(/^Microsoft\.\w+\//);
      expect(Object.values(PRIVILEGED), `${a.where}: privileged role`).not.toContain(a.role);
      expect(a.principalType, `${a.where}: principalType avoids replication-delay failures`).toBe("ServicePrincipal");
      expect(
        needs.some((n) => n.role === a.role && n.scope === a.scope),
        `${a.where}: role ${a.role} on ${a.scope} is needed by nothing the code does`,
      ).toBe(true);
    }
  });
});
