/**
 * The replay CLI for a person watching and for tools: Ctrl-C stops cleanly and says what was done, --json
 * gives a machine-readable summary without mixing with the rows, parse workers start under tsx and change
 * nothing, --from/--to filter by event time. Real processes, real signals.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { IncidentRowSchema } from "../../pipeline/incidents/incidentRow.js";
import { latestRevisions } from "../support/harness.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SAMPLE = join(ROOT, "samples/aks-attack-story.jsonl");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(args: readonly string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "cli/replay.ts", ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ...output }));
  });
  return { child, output, done };
}

function replay(args: readonly string[]): Promise<Run> {
  const run = start(args);
  run.child.stdin.end();
  return run.done;
}

const rowsOf = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => IncidentRowSchema.parse(JSON.parse(line)));
const withoutTime = (text: string) => latestRevisions(rowsOf(text)).map(({ TimeGenerated: _, ...row }) => row);

describe("replay for people and tools", () => {
  test("Ctrl-C stops reading, finishes what was read, says how far it got, and exits 130", async () => {
    // stdin stays open: without Ctrl-C this replay would wait for more input forever.
    const run = start(["-", "--progress", "never"]);
    await new Promise<void>((resolve, reject) => run.child.stdin.write(readFileSync(SAMPLE), (error) => (error ? reject(error) : resolve())));
    await until(() => run.output.stdout.includes("\n"));
    // The whole sample is in the pipe; once the output stops growing the replay is waiting for more input.
    await quiet(() => run.output.stdout.length + run.output.stderr.length, 1_500);
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("replay: stopping: no more input is read");
    expect(result.stderr).toContain("kubetrail replay stopped in");
    expect(result.stderr).toMatch(
      /stopped by Ctrl-C after opening 1 of 1 files \([\d.]+ MiB of 0\.0 MiB read\); events processed up to 2026-11-20T\d\d:\d\d:\d\d\.\d+Z/,
    );
    // What was read is processed to the end: every row is whole, and the incidents are the whole sample's.
    const full = await replay([SAMPLE, "--quiet"]);
    expect(withoutTime(result.stdout)).toEqual(withoutTime(full.stdout));
  });

  test("--json - writes one JSON summary on stdout when the rows go to --out; with the rows on stdout it is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubetrail-cli-"));
    const [run, refused] = await Promise.all([replay([SAMPLE, "--out", join(dir, "rows.jsonl"), "--json", "-", "--quiet"]), replay([SAMPLE, "--json", "-"])]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    const incidents = latestRevisions(rowsOf(readFileSync(join(dir, "rows.jsonl"), "utf8")));
    expect(summary).toMatchObject({
      status: "done",
      exitCode: 0,
      workers: 1,
      files: { read: 1, total: 1, skippedByTime: 0 },
      records: 2090,
      events: 2060,
      quarantined: 1,
      skipped: { "kube-apiserver": 29 },
      late: { reorderWindow: 0, detectionWindow: 0 },
      firstEventTime: "2026-11-20T08:00:00.000Z",
      incidents: { total: incidents.length },
    });
    expect((summary.topActors as { actor: string }[])[0]?.actor).toBe("dev@contoso.com");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--json -: stdout carries the incident rows");
    expect(refused.stdout).toBe("");
  });

  test("--workers 2 starts parse workers under tsx and gives the rows parsing on the main thread gives", async () => {
    const [one, two] = await Promise.all([replay([SAMPLE, "--workers", "1"]), replay([SAMPLE, "--workers", "2"])]);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(two.stderr).toContain("2 parse workers");
    expect(one.stderr).toContain("parsed on the main thread");
    expect(rowsOf(two.stdout).map(({ TimeGenerated: _, ...row }) => row)).toEqual(rowsOf(one.stdout).map(({ TimeGenerated: _, ...row }) => row));
  });

  test("--from and --to keep the events of the range and say how many were left out; a date they cannot read exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubetrail-cli-"));
    const [run, bad] = await Promise.all([
      replay([SAMPLE, "--from", "2026-11-20T09:00", "--to", "2026-11-20T09:30Z", "--quiet", "--json", join(dir, "summary.json")]),
      replay([SAMPLE, "--from", "yesterday"]),
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as {
      events: number;
      outsideRange: number;
      firstEventTime: string;
      lastEventTime: string;
    };
    expect(summary.events + summary.outsideRange).toBe(2060);
    expect(summary.events).toBeGreaterThan(0);
    expect(summary.firstEventTime >= "2026-11-20T09:00:00.000Z").toBe(true);
    expect(summary.lastEventTime < "2026-11-20T09:30:00.000Z").toBe(true);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--from");
  });
});

/** Resolves once `size()` has not changed for `forMs`. */
async function quiet(size: () => number, forMs: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = size();
  let since = Date.now();
  while (Date.now() - since < forMs) {
    if (Date.now() > deadline) throw new Error("the replay's output never settled");
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (size() !== last) {
      last = size();
      since = Date.now();
    }
  }
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the replay's output");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
