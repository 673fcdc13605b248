import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRuntimeFromAppSettings } from "../../functions/runtime.js";
import { AppSettingsError, type AppSettings, readAppSettings } from "../../functions/settings.js";
import { ConfigError } from "../../pipeline/config/settings.js";
import { aksRecord, auditEvent, eventHubMessage } from "../../scripts/synthetic/auditRecords.js";
import { stubCredential } from "./functionKit.js";

const REQUIRED = {
  KUBETRAIL_STATE: "memory",
  KUBETRAIL_INGESTION_ENDPOINT: "https://dcr-kubetrail-abcd.westeurope-1.ingest.monitor.azure.com",
  KUBETRAIL_DCR_ID: "dcr-0123456789abcdef0123456789abcdef",
};

function createPipelineFromAppSettings(extra: Partial<AppSettings>) {
  return createRuntimeFromAppSettings(readAppSettings({ ...REQUIRED, ...extra }), { credential: stubCredential }).then((runtime) => runtime.pipelines);
}

describe("app settings", () => {
  it("treats a blank setting as not set, and defaults the stream", () => {
    const expected = { ...REQUIRED, KUBETRAIL_STREAM: "Custom-KubetrailIncidents_CL", KUBETRAIL_CONFIG_FILE: undefined };
    expect(readAppSettings({ ...REQUIRED, KUBETRAIL_CONFIG_FILE: "  ", KUBETRAIL_STREAM: "" })).toEqual(expected);
    expect(readAppSettings(REQUIRED)).toEqual(expected);
  });

  it("names every required setting that is missing or blank", () => {
    expect(() => readAppSettings({ KUBETRAIL_STATE: " " })).toThrow(AppSettingsError);
    expect(() => readAppSettings({ KUBETRAIL_STATE: " " })).toThrow(
      "app setting KUBETRAIL_STATE: required: the Table endpoint of the state account, a connection string, or 'memory'; " +
        "app setting KUBETRAIL_INGESTION_ENDPOINT: required: the logsIngestion endpoint of the data collection rule; " +
        "app setting KUBETRAIL_DCR_ID: required: the immutable id of the data collection rule (dcr-…)",
    );
  });

  it("refuses an endpoint that is not https and a DCR id that is not an immutable id", () => {
    expect(() => readAppSettings({ ...REQUIRED, KUBETRAIL_INGESTION_ENDPOINT: "http://localhost:8080" })).toThrow(
      "app setting KUBETRAIL_INGESTION_ENDPOINT: must be an https URL",
    );
    expect(() => readAppSettings({ ...REQUIRED, KUBETRAIL_DCR_ID: "/subscriptions/x/dataCollectionRules/kubetrail" })).toThrow(
      "app setting KUBETRAIL_DCR_ID: must be a DCR immutable id: dcr- and 32 hex digits",
    );
  });

  it("names the setting and the file when the detection config cannot be read", async () => {
    const missing = join(tmpdir(), "kubetrail-no-such-config.json");

    const built = createPipelineFromAppSettings({ KUBETRAIL_CONFIG_FILE: missing });

    await expect(built).rejects.toThrow(ConfigError);
    await expect(built).rejects.toThrow(`app setting KUBETRAIL_CONFIG_FILE: ${missing}: cannot read config file (ENOENT)`);
  });

  it("names the setting and the field when the detection config is invalid", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kubetrail-")), "config.json");
    writeFileSync(file, JSON.stringify({ detections: { "pod-exec": { windowMinutes: 0 } } }));

    await expect(createPipelineFromAppSettings({ KUBETRAIL_CONFIG_FILE: file })).rejects.toThrow(
      `app setting KUBETRAIL_CONFIG_FILE: ${file}: detections.pod-exec.windowMinutes: `,
    );
  });

  it("applies the detection config the setting names", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kubetrail-")), "config.json");
    writeFileSync(file, JSON.stringify({ detections: { "pod-exec": { enabled: false } } }));

    const pipeline = await createPipelineFromAppSettings({ KUBETRAIL_CONFIG_FILE: file });
    const exec = auditEvent({
      auditID: "e1",
      time: Date.parse("2024-05-14T09:12:03Z"),
      verb: "create",
      username: "dev@contoso.com",
      resource: "pods",
      subresource: "exec",
      namespace: "default",
      name: "web-0",
      code: 101,
      stage: "ResponseStarted",
    });
    const result = await pipeline
      .for("0")
      .processMessages([{ body: eventHubMessage([aksRecord(exec)]), location: { source: "eventhub", partition: "0", sequenceNumber: 1 } }]);

    expect(result.stats.events).toBe(1);
    expect(result.incidents).toEqual([]);
  });
});
