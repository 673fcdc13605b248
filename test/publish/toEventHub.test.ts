/**
 * cli/toEventHub.ts: the commander options; runToEventHub in a child process, and `replay --to-eventhub` as a
 * user runs it. Both with the real DefaultAzureCredential (from a local managed-identity endpoint), the SDK's
 * own TLS connection trusting the test certificate through NODE_EXTRA_CA_CERTS, and the local Event Hubs
 * endpoint addressed as `localhost:<port>/<hub>` (a host name: Node warns about TLS server names that are IP
 * addresses).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { addEventHubOptions, type EventHubCliOptions } from "../../cli/toEventHub.js";
import { EventHubServer } from "../support/eventHubServer.js";
import { IdentityEndpoint } from "../support/identityEndpoint.js";
import { DEFAULT_CLUSTER } from "../../scripts/synthetic/auditRecords.js";
import { HUB, rawEventLine, recordsOf } from "./publishKit.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SAMPLE = join(ROOT, "samples/aks-attack-story.jsonl");

function parse(args: readonly string[]): EventHubCliOptions {
  const command = addEventHubOptions(new Command("replay"))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  command.parse(["node", "replay", ...args]);
  return command.opts<EventHubCliOptions>();
}

describe("addEventHubOptions", () => {
  test("--to-eventhub, --rate and --speed", () => {
    expect(parse(["--to-eventhub", "myns/kube-audit", "--rate", "250", "--speed", "60"])).toEqual({ toEventhub: "myns/kube-audit", rate: 250, speed: 60 });
    expect(parse([])).toEqual({});
    expect(() => parse(["--rate", "0"])).toThrow(/--rate <events\/s>' argument '0' is invalid. expected a number above 0/);
    expect(() => parse(["--speed", "fast"])).toThrow(/expected a number above 0/);
  });
});

describe("runToEventHub in a process of its own", () => {
  let server: EventHubServer;
  let identity: IdentityEndpoint;
  let caFile: string;

  beforeAll(async () => {
    identity = await IdentityEndpoint.start("mi-token-for-eventhubs");
    server = await EventHubServer.start({ hub: HUB, token: identity.token });
    caFile = join(mkdtempSync(join(tmpdir(), "kubetrail-eventhub-")), "ca.pem");
    writeFileSync(caFile, server.ca);
  });
  afterAll(async () => {
    await server?.close();
    await identity?.close();
  });
  const env = () => ({ ...identity.env, NODE_EXTRA_CA_CERTS: caFile });

  test("runToEventHub publishes the sample with DefaultAzureCredential over the SDK's own TLS connection", async () => {
    const run = await child("test/publish/toEventHubDriver.ts", ["--to-eventhub", `localhost:${server.port}/${HUB}`, "--rate", "20000", SAMPLE], env());
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = readFileSync(SAMPLE, "utf8")
      .split("\n")
      .filter((line) => line !== "");
    expect(JSON.parse(run.stdout)).toMatchObject({ messages: lines.length, records: 2090, aborted: false, skipped: 0 });
    expect(server.events.map((event) => event.body.toString("utf8"))).toEqual(lines);
    // The managed identity's token, put on $cbs for the hub (the namespace host is the address given).
    expect(identity.requests.length).toBeGreaterThan(0);
    expect(new Set(server.tokens.map((put) => `${put.type} ${put.token}`))).toEqual(new Set([`jwt ${identity.token}`]));
    expect(server.tokens.map((put) => put.audience)).toContain(`sb://localhost/${HUB}`);
  });
});

describe("npm run replay -- --to-eventhub", () => {
  let server: EventHubServer;
  let identity: IdentityEndpoint;
  let dir: string;

  beforeAll(async () => {
    identity = await IdentityEndpoint.start("mi-token-for-the-cli");
    server = await EventHubServer.start({ hub: HUB, token: identity.token });
    dir = mkdtempSync(join(tmpdir(), "kubetrail-eventhub-cli-"));
    writeFileSync(join(dir, "ca.pem"), server.ca);
  });
  afterAll(async () => {
    await server?.close();
    await identity?.close();
  });

  test("a raw kube-apiserver audit.log with --cluster arrives as AKS messages of that cluster, every event once", async () => {
    const texts = Array.from({ length: 150 }, (_, i) => rawEventLine(i));
    writeFileSync(join(dir, "audit.log"), `${texts.join("\n")}\n`);
    const cluster = DEFAULT_CLUSTER.toLowerCase();
    const run = await child("cli/replay.ts", ["--to-eventhub", `localhost:${server.port}/${HUB}`, "--cluster", cluster, "-q", join(dir, "audit.log")], {
      ...identity.env,
      NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const records = server.events.flatMap((event) => recordsOf(event.body));
    expect(records.map((record) => (record.properties as { log: string }).log)).toEqual(texts.map((text) => `${text}\n`));
    expect(new Set(records.map((record) => record.resourceId))).toEqual(new Set([DEFAULT_CLUSTER]));
    expect(new Set(server.events.map((event) => event.partitionKey))).toEqual(new Set([cluster]));
    expect(new Set(server.tokens.map((put) => put.token))).toEqual(new Set([identity.token]));
  });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript entry point of this repository in a child process. */
function child(script: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
