/** The replay CLI as a user runs it: a real process, real files, stdout, stderr and exit codes. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { IncidentRowSchema } from "../../pipeline/incidents/incidentRow.js";
import { type Azurite, devConnectionString, startAzurite } from "../support/azurite.js";
import { IdentityEndpoint } from "../support/identityEndpoint.js";
import { IngestionServer } from "../support/ingestionServer.js";
import { testCertificate } from "../support/testCertificate.js";
import { latestRevisions, orderIndependent } from "../support/harness.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SAMPLE = join(ROOT, "samples/aks-attack-story.jsonl");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function replay(args: readonly string[], stdin?: string, env?: Readonly<Record<string, string>>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/replay.ts", ...args], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const rowsOf = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => IncidentRowSchema.parse(JSON.parse(line)));

const RULE_ID = "dcr-0123456789abcdef0123456789abcdef";
const STREAM = "Custom-KubetrailIncidents_CL";

const tmp = () => mkdtempSync(join(tmpdir(), "kubetrail-cli-"));

describe("npm run replay", () => {
  test("replays the bundled sample: contract rows on stdout, a summary on stderr, exit 0", async () => {
    const run = await replay([SAMPLE]);
    expect(run.code).toBe(0);
    const incidents = latestRevisions(rowsOf(run.stdout));
    const core = new Set(["anonymous-access", "pod-exec", "rbac-binding-change", "secret-enumeration"]);
    expect(
      incidents
        .filter((row) => core.has(row.DetectionId))
        .map((row) => `${row.DetectionId} ${row.Severity} ${row.Actor}`)
        .sort(),
    ).toEqual([
      "anonymous-access High system:anonymous",
      "anonymous-access Medium system:anonymous",
      "pod-exec High dev@contoso.com",
      "pod-exec Medium maria@contoso.com",
      "rbac-binding-change High dev@contoso.com",
      "rbac-binding-change Low ops@contoso.com",
      "secret-enumeration High dev@contoso.com",
    ]);
    expect(run.stderr).toContain("records 2090");
    expect(run.stderr).toContain("skipped 29 (kube-apiserver 29)");
    expect(run.stderr).toContain("quarantined 1");
    expect(run.stderr).toContain(`incidents ${incidents.length} (`);
    expect(run.stderr).toMatch(/quarantined \S*samples\/aks-attack-story\.jsonl:\d+ record \d+: audit event is not valid JSON/);
    // The table: one line per detection with counts by severity, then the actors with most incidents.
    expect(run.stderr).toMatch(/\n {4}secret-enumeration +1 +- +- +-\n/);
    expect(run.stderr).toMatch(/top actors\n {4}dev@contoso\.com +\d+ incidents \(High \d+/);
  });

  test("--out and --quarantine write JSON lines files; --batch-size and --partitions do not change the incidents", async () => {
    const dir = tmp();
    const one = await replay([SAMPLE, "--out", join(dir, "a.jsonl"), "--quarantine", join(dir, "q.jsonl"), "--quiet"]);
    const many = await replay([SAMPLE, "--out", join(dir, "b.jsonl"), "--batch-size", "7", "--partitions", "4", "--quiet"]);
    expect([one.code, many.code]).toEqual([0, 0]);
    expect(one.stdout).toBe("");
    expect(one.stderr).toBe("");
    const strip = (file: string) => latestRevisions(rowsOf(readFileSync(join(dir, file), "utf8"))).map(({ TimeGenerated: _, ...row }) => row);
    expect(strip("b.jsonl")).toEqual(strip("a.jsonl"));
    const quarantined = readFileSync(join(dir, "q.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { reason: string; location: string; auditId?: string });
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.reason).toContain("not valid JSON");
    expect(quarantined[0]?.auditId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("reads stdin with '-' and .gz files transparently", async () => {
    const dir = tmp();
    const text = readFileSync(SAMPLE, "utf8");
    writeFileSync(join(dir, "sample.jsonl.gz"), gzipSync(text));
    const [fromStdin, fromGzip] = await Promise.all([replay(["-", "--quiet"], text), replay([join(dir, "sample.jsonl.gz"), "--quiet"])]);
    expect(fromStdin.code).toBe(0);
    expect(fromGzip.code).toBe(0);
    const incidents = (text: string) => latestRevisions(rowsOf(text)).map(({ TimeGenerated: _, ...row }) => row);
    expect(incidents(fromStdin.stdout).length).toBeGreaterThanOrEqual(7);
    expect(incidents(fromGzip.stdout)).toEqual(incidents(fromStdin.stdout));
  });

  test("--strict exits 3 when records were quarantined", async () => {
    const run = await replay([SAMPLE, "--strict", "--quiet"]);
    expect(run.code).toBe(3);
  });

  test("a bad config fails before reading input, naming the field: exit 2", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ detections: { "secret-enumeration": { distinctSecrets: "many" } } }));
    const run = await replay([SAMPLE, "--config", join(dir, "config.json")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("detections.secret-enumeration.distinctSecrets");
    expect(run.stdout).toBe("");
  });

  test("a config with an unknown detection id or a typo in a setting is refused", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "a.json"), JSON.stringify({ detections: { "secret-enum": {} } }));
    writeFileSync(join(dir, "b.json"), JSON.stringify({ detections: { "pod-exec": { windowMinute: 5 } } }));
    const [a, b] = await Promise.all([replay([SAMPLE, "--config", join(dir, "a.json")]), replay([SAMPLE, "--config", join(dir, "b.json")])]);
    expect([a.code, b.code]).toEqual([2, 2]);
    expect(a.stderr).toContain("detections.secret-enum: unknown detection id");
    expect(b.stderr).toContain("detections.pod-exec");
    expect(b.stderr).toContain("windowMinute");
  });

  test("settings from the config change what is reported", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ detections: { "pod-exec": { enabled: false }, "anonymous-access": { probeDistinctPaths: 50 } } }));
    const run = await replay([SAMPLE, "--config", join(dir, "config.json"), "--quiet"]);
    expect(run.code).toBe(0);
    const ids = latestRevisions(rowsOf(run.stdout)).map((row) => `${row.DetectionId} ${row.Severity}`);
    expect(ids).not.toContain("pod-exec High");
    expect(ids).not.toContain("anonymous-access Medium");
    expect(ids).toContain("anonymous-access High");
  });

  test("a missing input file exits 1 and names it; bad arguments exit 2", async () => {
    const [missing, badBatch, noInput, paceWithoutHub] = await Promise.all([
      replay(["does/not/exist.jsonl"]),
      replay([SAMPLE, "--batch-size", "0"]),
      replay([]),
      replay([SAMPLE, "--rate", "100"]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does/not/exist.jsonl: cannot read input (ENOENT)");
    expect(badBatch.code).toBe(2);
    expect(badBatch.stderr).toContain("--batch-size");
    expect(noInput.code).toBe(2);
    expect(paceWithoutHub.code).toBe(2);
    expect(paceWithoutHub.stderr).toContain("--rate and --speed pace publishing: they need --to-eventhub");
    expect(paceWithoutHub.stdout).toBe("");
  });
});

describe("npm run replay --state <Azurite connection string>", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  test("keeps state in Table Storage and gives the incidents of the memory store; a second replay emits nothing new", async () => {
    const state = devConnectionString(azurite.port);
    const memory = await replay([SAMPLE, "--quiet"]);
    const first = await replay([SAMPLE, "--state", state, "--partitions", "3"]);
    expect(first.code).toBe(0);
    // Three instances: order-sensitive detections may differ (README, "Same input, same incidents").
    const strip = (text: string) => orderIndependent(latestRevisions(rowsOf(text))).map(({ TimeGenerated: _, ...row }) => row);
    expect(strip(first.stdout)).toEqual(strip(memory.stdout));
    expect(first.stderr).toMatch(/table storage: \d+ requests \([\d.]+ per 1,000 events\)/);
    // The same input again against the same tables: every revision was claimed already (a sequence the
    // three instances judged before its precursor was stored may now be judged whole: never a repeat).
    const again = await replay([SAMPLE, "--state", state, "--quiet"]);
    expect(again.code).toBe(0);
    expect(orderIndependent(rowsOf(again.stdout))).toEqual([]);
    const firstIds = new Set(rowsOf(first.stdout).map((row) => `${row.IncidentId}#${row.Revision}`));
    for (const row of rowsOf(again.stdout)) expect(firstIds.has(`${row.IncidentId}#${row.Revision}`)).toBe(false);
  });
});

describe("npm run replay --to-log-analytics", () => {
  let server: IngestionServer;
  let identity: IdentityEndpoint;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await IngestionServer.start({ ruleId: RULE_ID, streamName: STREAM });
    identity = await IdentityEndpoint.start();
    const dir = tmp();
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, (await testCertificate()).cert);
    // The child trusts the test certificate the way an operator trusts a corporate proxy's.
    env = { ...identity.env, NODE_EXTRA_CA_CERTS: caFile, KUBETRAIL_INGESTION_ENDPOINT: server.url, KUBETRAIL_DCR_ID: RULE_ID };
  });

  afterAll(async () => {
    await server?.close();
    await identity?.close();
  });

  test("sends every incident row once, authenticated with DefaultAzureCredential's managed identity, and says so", async () => {
    const memory = rowsOf((await replay([SAMPLE])).stdout);
    const run = await replay(["--to-log-analytics", "--progress", "never", SAMPLE], undefined, env);
    expect(run.stderr).toContain(`log analytics: ${memory.length} rows delivered to ${STREAM}`);
    expect(run.code).toBe(0);
    // Nothing on stdout unless --out asks for it: the rows went to the workspace.
    expect(run.stdout).toBe("");
    const received = server.received.map((row) => IncidentRowSchema.parse(row));
    expect(received.map(({ TimeGenerated: _, ...row }) => row)).toEqual(memory.map(({ TimeGenerated: _, ...row }) => row));
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${identity.token}`]));
    expect(identity.requests[0]).toEqual({ resource: "https://monitor.azure.com", apiVersion: "2019-08-01" });
  });

  test("retries what the endpoint refused, and exits 1 naming what stayed undelivered when it never recovers", async () => {
    server.setFaults({ script: Array.from({ length: 200 }, () => ({ kind: "status", status: 500 }) as const) });
    try {
      const args = ["--to-log-analytics", "--progress", "never", "--ingestion-endpoint", server.url, "--delivery-patience", "3", SAMPLE];
      const run = await replay(args, undefined, {
        ...env,
        KUBETRAIL_INGESTION_ENDPOINT: "",
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/replay: \d+ incident rows could not be delivered \(HTTP 500[^)]*\); they were not delivered/);
      // Tried at once, then again after waiting: more than one request per chunk.
      expect(server.requests.filter((r) => r.status === 500).length).toBeGreaterThan(2);
    } finally {
      server.heal();
    }
  }, 30_000);

  test("refuses to start without the DCR it sends to", async () => {
    const run = await replay(["--to-log-analytics", SAMPLE], undefined, { ...env, KUBETRAIL_DCR_ID: "" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("replay: --to-log-analytics: needs --dcr-id (or KUBETRAIL_DCR_ID)");
  });
});
