/**
 * Every historical format gives the incidents the live Event Hub stream gives: the bundled sample written
 * as Event Hubs Capture files, a storage-archive tree, Log Analytics exports (JSON and CSV, both tables)
 * and rotated kube-apiserver audit.log files, replayed through the real pipeline.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, test } from "vitest";
import { comparable } from "../support/harness.js";
import { azureDiagnosticsRow, logAnalyticsRow } from "../pipeline/inputs/envelopes.js";
import { CORPUS_ROOT } from "../corpus/corpusHelpers.js";
import {
  archivePath,
  auditEventOf,
  csvLine,
  portalTime,
  replay,
  SAMPLE,
  sampleMessages,
  sampleRecords,
  tempDir,
  write,
  writeCapture,
} from "./replayFixtures.js";

const CLUSTER = sampleRecords[0]?.resourceId ?? "";
/** The AKSAudit table's columns (formats.md §5.1) as the portal's "Export to CSV (all columns)" heads them. */
const AKS_AUDIT_CSV_HEADER = [
  "TenantId",
  "TimeGenerated [UTC]",
  "Level",
  "AuditId",
  "Stage",
  "RequestUri",
  "Verb",
  "User",
  "SourceIps",
  "UserAgent",
  "ObjectRef",
  "ResponseStatus",
  "RequestObject",
  "ResponseObject",
  "RequestReceivedTime [UTC]",
  "StageReceivedTime [UTC]",
  "Annotations",
  "PodName",
  "SourceSystem",
  "Type",
  "_ResourceId",
];
/** Parsable audit events of the sample: what an export of the workspace holds. */
const events: Record<string, unknown>[] = sampleRecords.flatMap((r) => {
  const event = auditEventOf(r);
  return event ? [event] : [];
});
let baseline: ReturnType<typeof comparable>;

beforeAll(async () => {
  const { rows, result } = await replay([SAMPLE]);
  baseline = comparable(rows);
  expect(result.stats.events).toBe(events.length);
  expect(baseline.length).toBeGreaterThan(4);
});

describe("Event Hubs Capture (Avro)", () => {
  test.each(["deflate", "null"] as const)(
    "two partitions of Capture files (codec %s) give the sample's incidents; a bad record is named by file and sequence number",
    async (codec) => {
      const root = join(tempDir(), "kubetrail-ns", "insights-logs-kube-audit");
      const half = sampleMessages.length / 2;
      // Messages dealt to partitions 0 and 1, each partition's in two five-minute-named files.
      const partition = (p: number) => sampleMessages.filter((_, i) => i % 2 === p);
      for (const p of [0, 1]) {
        const messages = partition(p);
        const first = messages.slice(0, half / 2);
        await writeCapture(join(root, String(p), "2026/11/20/08/00/00.avro"), first, { codec, firstSequence: 1000 });
        await writeCapture(join(root, String(p), "2026/11/20/09/00/00.avro"), messages.slice(half / 2), { codec, firstSequence: 1000 + first.length });
      }
      const { rows, result, quarantined } = await replay([root]);
      expect(result.read.filesTotal).toBe(4);
      expect(result.stats.messages).toBe(sampleMessages.length);
      expect(result.stats.events).toBe(events.length);
      expect(comparable(rows)).toEqual(baseline);
      // The sample's truncated record is message 48 (index 47): partition 1, its 24th message.
      expect(quarantined.map((q) => q.location)).toEqual([`${join(root, "1/2026/11/20/09/00/00.avro")} sequence ${1000 + 23} record 4`]);
    },
  );
});

describe("storage-account archive (PT1H.json)", () => {
  test("a tree of hourly blobs, one record per line, gives the sample's incidents", async () => {
    const root = tempDir();
    const byPath = new Map<string, string[]>();
    for (const record of sampleRecords) {
      const path = archivePath(root, CLUSTER, Date.parse(record.time));
      byPath.set(path, [...(byPath.get(path) ?? []), JSON.stringify(record)]);
    }
    for (const [path, lines] of byPath) write(path, `${lines.join("\n")}\n`);
    expect(byPath.size).toBe(2);
    const { rows, result } = await replay([join(root, "insights-logs-kube-audit")]);
    expect(result.stats).toMatchObject({ records: sampleRecords.length, events: events.length, quarantined: 1 });
    expect(comparable(rows)).toEqual(baseline);
  });

  test("the real AKS blob of the corpus (Datadog's fixture) reads as an archive hour", async () => {
    const root = tempDir();
    const blob = readFileSync(join(CORPUS_ROOT, "datadog-azure-log-forwarding-aks-blob/aks_logs.json"));
    write(
      archivePath(
        root,
        "/SUBSCRIPTIONS/0B62A232-B8DB-4380-9DA6-640F7272ED6D/RESOURCEGROUPS/MIKE-AZURE/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/MIKE-AZURE-AKS",
        Date.UTC(2024, 10, 15, 21),
      ),
      blob,
    );
    const { result, quarantined } = await replay([root], { from: Date.UTC(2024, 10, 15, 21), to: Date.UTC(2024, 10, 15, 22) });
    expect(quarantined).toEqual([]);
    expect(result.stats).toMatchObject({ records: 21, events: 21 });
    const times = blob
      .toString()
      .trim()
      .split("\n")
      .map((line) =>
        Date.parse((JSON.parse((JSON.parse(line) as { properties: { log: string } }).properties.log) as { stageTimestamp: string }).stageTimestamp),
      );
    expect(result.read.lastEventTime).toBe(Math.max(...times));
  });
});

describe("Log Analytics exports", () => {
  const jsonExport = (rows: unknown[]) => `${JSON.stringify(rows, null, 2)}\n`;

  test("AKSAudit rows as JSON (az monitor log-analytics query) and as the portal's CSV give the same incidents as the stream", async () => {
    const dir = tempDir();
    const rows = events.map((e) => logAnalyticsRow(e, { dynamicAsText: true, resourceId: CLUSTER }));
    const timeColumn = (c: string) => c.endsWith(" [UTC]");
    const csv = [
      csvLine(AKS_AUDIT_CSV_HEADER),
      ...rows.map((row) =>
        csvLine(
          AKS_AUDIT_CSV_HEADER.map((column) => {
            const value = row[column.replace(" [UTC]", "")];
            if (value === undefined) return "";
            if (timeColumn(column)) return portalTime(String(value));
            // Dynamic columns as the portal writes them: JSON, here pretty-printed over several lines.
            return typeof value === "string" && /^[[{]/.test(value) ? JSON.stringify(JSON.parse(value), null, 2) : String(value);
          }),
        ),
      ),
    ].join("");
    const [fromJson, fromCsv] = await Promise.all([
      replay([write(join(dir, "aksaudit.json"), jsonExport(rows))]),
      replay([write(join(dir, "aksaudit.csv"), csv)]),
    ]);
    for (const run of [fromJson, fromCsv]) {
      expect(run.quarantined).toEqual([]);
      expect(run.result.stats.events).toBe(events.length);
      expect(comparable(run.rows)).toEqual(baseline);
    }
  });

  test("AzureDiagnostics rows (log_s) as JSON and CSV; klog rows of other categories are skipped", async () => {
    const dir = tempDir();
    const rows = [
      ...events.map((e) => azureDiagnosticsRow(e, { resourceId: CLUSTER })),
      azureDiagnosticsRow({}, { category: "kube-apiserver", log: "I1120 08:00:00.000 1 trace.go:236] Trace[1]\n" }),
    ];
    const header = Object.keys(rows[0] ?? {}).map((c) => (c === "TimeGenerated" ? "TimeGenerated [UTC]" : c));
    const csv = [
      csvLine(header),
      ...rows.map((row) => csvLine(header.map((c) => (c === "TimeGenerated [UTC]" ? portalTime(String(row.TimeGenerated)) : String(row[c] ?? ""))))),
    ].join("");
    for (const path of [write(join(dir, "diagnostics.json"), jsonExport(rows)), write(join(dir, "diagnostics.csv.gz"), gzipSync(csv))]) {
      const run = await replay([path]);
      expect(run.result.stats).toMatchObject({ events: events.length, skipped: { "kube-apiserver": 1 }, quarantined: 0 });
      expect(comparable(run.rows)).toEqual(baseline);
    }
  });

  test("a CSV row that is not CSV is quarantined by its row number (a spreadsheet's: the header is row 1); the rest is read", async () => {
    const dir = tempDir();
    const header = ["TimeGenerated [UTC]", "Category", "log_s", "_ResourceId"];
    const row = (e: Record<string, unknown>) => csvLine([portalTime(String(e.stageTimestamp)), "kube-audit", `${JSON.stringify(e, null, 2)}\n`, CLUSTER]);
    const text = [csvLine(header), row(events[0] ?? {}), `"11/20/2026, 8:00:01.000 AM",kube-audit,"{"oops"} x",${CLUSTER}\r\n`, row(events[1] ?? {})].join("");
    const { result, quarantined } = await replay([write(join(dir, "export.csv"), text)]);
    expect(quarantined).toEqual([{ location: `${join(dir, "export.csv")} row 3`, reason: expect.stringContaining("CSV row is not valid CSV") }]);
    expect(result.stats.events).toBe(2);
  });
});

describe("kube-apiserver audit.log with rotated files", () => {
  test("lumberjack backups, numbered and gzipped rotations and the live file are read oldest first, as one input", async () => {
    const dir = tempDir();
    const lines = events.map((e) => JSON.stringify(e));
    const parts = [0.2, 0.4, 0.6, 0.8].map((f) => Math.round(lines.length * f));
    const chunk = (i: number) => `${lines.slice(i === 0 ? 0 : parts[i - 1], parts[i] ?? lines.length).join("\n")}\n`;
    write(join(dir, "audit-2026-11-20T08-20-00.000.log.gz"), gzipSync(chunk(0)));
    write(join(dir, "audit-2026-11-20T08-45-00.000.log"), chunk(1));
    write(join(dir, "audit.log.2.gz"), gzipSync(chunk(2)));
    write(join(dir, "audit.log.1"), chunk(3));
    write(join(dir, "audit.log"), chunk(4));
    // No reorder window: read in any other order, events would come out late.
    const { rows, result } = await replay([dir], { reorderWindowMs: 0, clusterResourceId: CLUSTER });
    expect(result.read.filesTotal).toBe(5);
    expect(result.read.late).toBe(0);
    expect(result.stats.events).toBe(events.length);
    expect(comparable(rows)).toEqual(baseline);
  });
});
