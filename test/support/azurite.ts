/**
 * Starts Azurite's Table service for the tests that need Table Storage: in memory, telemetry off, on a
 * free loopback port, in a temporary working directory (so nothing it writes lands in the repo), and
 * stops it by PID afterwards. Runs the pinned devDependency's script with this Node, offline.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Azurite's well-known development account: public, and accepted only by the emulator. */
export const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  readonly port: number;
  /** A connection string for this Azurite. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** A connection string for the development account at a loopback port (Azurite's, or a proxy's). */
export function devConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
}

export async function startAzurite(options: { readonly startTimeoutMs?: number } = {}): Promise<Azurite> {
  let lastError: unknown;
  // The port is free when picked but could be taken before Azurite binds it: pick again then.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startOn(await freePort(), options.startTimeoutMs ?? 30_000);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startOn(port: number, timeoutMs: number): Promise<Azurite> {
  const workDir = await mkdtemp(join(tmpdir(), "kubetrail-azurite-"));
  const script = createRequire(import.meta.url).resolve("azurite/dist/src/table/main.js");
  const child = spawn(
    process.execPath,
    [
      script,
      "--inMemoryPersistence",
      "--disableTelemetry",
      "--silent",
      // @azure/data-tables may speak a newer API version than this Azurite knows.
      "--skipApiVersionCheck",
      "--loose",
      "--tableHost",
      "127.0.0.1",
      "--tablePort",
      String(port),
    ],
    { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  // A test worker that dies must not leave Azurite running.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    await terminate(child);
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(child, port, timeoutMs, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, connectionString: devConnectionString(port), stop };
}

async function waitUntilListening(child: ChildProcess, port: number, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Azurite exited on start (port ${port}): ${output().slice(0, 500)}`);
    if (output().includes("successfully started") && (await accepts(port))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Azurite did not answer on port ${port} within ${timeoutMs} ms: ${output().slice(0, 500)}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
