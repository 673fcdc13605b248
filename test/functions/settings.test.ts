import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPipelineFromAppSettings } from "../../functions/ingest.js";
import { readAppSettings } from "../../functions/settings.js";
import { ConfigError } from "../../pipeline/config/settings.js";
import { aksRecord, auditEvent, eventHubMessage } from "../../scripts/synthetic/auditRecords.js";

describe("app settings", () => {
  it("treats a blank setting as not set", () => {
    expect(readAppSettings({ KUBETRAIL_CONFIG_FILE: "  " })).toEqual({ KUBETRAIL_CONFIG_FILE: undefined });
    expect(readAppSettings({})).toEqual({ KUBETRAIL_CONFIG_FILE: undefined });
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
